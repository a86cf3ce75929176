/*
 * fetch.c - many HTTP GETs at once over libcurl's multi interface, inside
 * the exchanges' rate limits, retrying transient failures with backoff.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "err.h"
#include "buf.h"
#include "utc.h"

#include "exchange.h"
#include "fetch.h"

/* Extra wait after a fixed window ends, for clocks that disagree. */
#define WINDOW_GUARD 250
/*
 * Extra wait after a sliding window entry expires, and one request fewer
 * than the share allows: the exchange counts requests when they arrive,
 * and delays on the way can bring requests sent a window apart closer.
 */
#define SLIDE_GUARD 200
/* The longest backoff between two tries. */
#define BACKOFF_CAP 10000
/* How many times one request may be told "too many requests". */
#define MAX_LIMITED 10

struct sent {
	mdx_time t;
	int w;
};

/* The state of one rate limit. */
struct lim {
	const struct mdx_ratelimit *rl;
	int limit;		/* the budget: limit * share */
	/* fixed windows */
	mdx_time win;		/* start of the current window */
	int used;
	int prev;		/* weight used in the window before */
	/* sliding windows: what was sent, oldest first */
	struct sent *log;
	size_t nlog, caplog, head;
	int inflight;		/* weight under way */
};

/* The state of one exchange. */
struct exch {
	const char *name;
	mdx_time paused_until;
	char *banned;		/* why nothing more goes to it, or NULL */
	int active;		/* transfers under way */
};

struct mdx_fetch {
	struct mdx_fetch_opts o;
	CURLM *multi;
	struct mdx_fetch_req *queue, *qtail;	/* waiting to be sent */
	struct mdx_fetch_req *done, *dtail;	/* finished, not returned */
	int active, queued;
	struct lim lims[16];
	int nlim;
	struct exch ex[8];
	int nex;
	struct mdx_fetch_stats st;
	unsigned rnd;
};

static int curl_ready;

/* The clock for scheduling: real time, never MDX_NOW. */
static mdx_time
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (mdx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_limit(struct mdx_fetch *f, struct lim *l, int limit)
{
	l->limit = (int)(limit * f->o.share);
	if (!l->rl->fixed_window)
		l->limit--;
	if (l->limit < 1)
		l->limit = 1;
}

static struct lim *
lim_of(struct mdx_fetch *f, const struct mdx_ratelimit *rl)
{
	struct lim *l;
	int i;

	for (i = 0; i < f->nlim; i++)
		if (f->lims[i].rl == rl)
			return &f->lims[i];
	if (f->nlim == (int)(sizeof(f->lims) / sizeof(f->lims[0])))
		mdx_die(MDX_EX_FAIL, "too many rate limits");
	l = &f->lims[f->nlim++];
	memset(l, 0, sizeof(*l));
	l->rl = rl;
	set_limit(f, l, rl->limit);
	return l;
}

static struct exch *
exch_of(struct mdx_fetch *f, const char *name)
{
	int i;

	for (i = 0; i < f->nex; i++)
		if (strcmp(f->ex[i].name, name) == 0)
			return &f->ex[i];
	if (f->nex == (int)(sizeof(f->ex) / sizeof(f->ex[0])))
		mdx_die(MDX_EX_FAIL, "too many exchanges");
	memset(&f->ex[f->nex], 0, sizeof(f->ex[0]));
	f->ex[f->nex].name = name;
	return &f->ex[f->nex++];
}

struct mdx_fetch *
mdx_fetch_new(const struct mdx_fetch_opts *o)
{
	struct mdx_fetch *f;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			mdx_die(MDX_EX_FAIL, "cannot initialise libcurl");
		curl_ready = 1;
	}
	f = mdx_calloc(1, sizeof(*f));
	f->o = *o;
	if (f->o.connections < 1)
		f->o.connections = 1;
	if (f->o.tries < 1)
		f->o.tries = 1;
	if (f->o.share <= 0 || f->o.share > 1)
		f->o.share = 0.95;
	if (f->o.backoff <= 0)
		f->o.backoff = 500;
	if ((f->multi = curl_multi_init()) == NULL)
		mdx_die(MDX_EX_FAIL, "cannot initialise libcurl");
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)f->o.connections);
	f->rnd = (unsigned)clock_ms() ^ (unsigned)getpid();
	return f;
}

void
mdx_fetch_free(struct mdx_fetch *f)
{
	int i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nlim; i++)
		free(f->lims[i].log);
	for (i = 0; i < f->nex; i++)
		free(f->ex[i].banned);
	curl_multi_cleanup(f->multi);
	free(f);
}

void
mdx_fetch_set_limit(struct mdx_fetch *f, const struct mdx_ratelimit *rl,
    int limit)
{
	set_limit(f, lim_of(f, rl), limit);
}

void
mdx_fetch_req_init(struct mdx_fetch_req *r)
{
	memset(r, 0, sizeof(*r));
	mdx_buf_init(&r->url);
	mdx_buf_init(&r->what);
	mdx_buf_init(&r->body);
}

void
mdx_fetch_req_free(struct mdx_fetch_req *r)
{
	mdx_buf_free(&r->url);
	mdx_buf_free(&r->what);
	mdx_buf_free(&r->body);
}

/* Appends r to the list *head starts and *tail ends. */
static void
append(struct mdx_fetch_req **head, struct mdx_fetch_req **tail,
    struct mdx_fetch_req *r)
{
	r->next = NULL;
	if (*tail != NULL)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

/* Queues r to be sent. */
static void
enqueue(struct mdx_fetch *f, struct mdx_fetch_req *r)
{
	append(&f->queue, &f->qtail, r);
	f->queued++;
}

/* Takes r out of the queue, where it follows prev (NULL: r is first). */
static void
dequeue(struct mdx_fetch *f, struct mdx_fetch_req *prev,
    struct mdx_fetch_req *r)
{
	if (prev != NULL)
		prev->next = r->next;
	else
		f->queue = r->next;
	if (f->qtail == r)
		f->qtail = prev;
	f->queued--;
}

/* Puts r among the finished requests, for mdx_fetch_wait() to return. */
static void
finish(struct mdx_fetch *f, struct mdx_fetch_req *r)
{
	append(&f->done, &f->dtail, r);
}

void
mdx_fetch_submit(struct mdx_fetch *f, struct mdx_fetch_req *r)
{
	r->tries = 0;
	r->limited = 0;
	r->ok = 0;
	r->status = 0;
	r->why[0] = '\0';
	r->ready_at = 0;
	enqueue(f, r);
}

/* A random number in [0, n), for the backoff jitter. */
static long
jitter(struct mdx_fetch *f, long n)
{
	f->rnd = f->rnd * 1103515245u + 12345u;
	return n > 0 ? (long)((f->rnd >> 8) % (unsigned long)n) : 0;
}

/*
 * Queues r for another try after a failure, or gives it up when it has had
 * all its tries.  Backoff is "full jitter": a random wait below a ceiling
 * that doubles with every try, so that many clients failing together do
 * not come back together.
 */
static int
again(struct mdx_fetch *f, struct mdx_fetch_req *r, const char *why,
    int limited)
{
	long ceiling;
	int i;

	/* Waiting out a rate limit is not a failed try, but it is bounded
	 * too. */
	if (limited) {
		r->limited++;
		r->tries--;
	}
	if (r->tries >= f->o.tries || r->limited > MAX_LIMITED) {
		snprintf(r->why, sizeof(r->why), "%s: gave up after %d tries: "
		    "%s", r->what.data, r->tries, why);
		r->ok = 0;
		r->status = MDX_EX_TEMPFAIL;
		return -1;
	}
	if (limited)
		r->ready_at = 0;	/* the exchange pause holds it back */
	else {
		ceiling = f->o.backoff;
		for (i = 1; i < r->tries && ceiling < BACKOFF_CAP; i++)
			ceiling *= 2;
		if (ceiling > BACKOFF_CAP)
			ceiling = BACKOFF_CAP;
		r->ready_at = clock_ms() + jitter(f, ceiling);
	}
	if (mdx_verbose >= 1)
		mdx_warn("%s: %s; trying again (%d of %d)", r->what.data, why,
		    r->tries + 1, f->o.tries);
	f->st.retries++;
	enqueue(f, r);
	return 0;
}

int
mdx_fetch_retry(struct mdx_fetch *f, struct mdx_fetch_req *r,
    const char *why, int limited)
{
	struct exch *e;
	long pause;

	if (limited) {
		f->st.limited++;
		/* The exchange gave no Retry-After in its body: wait out a
		 * whole window of the limit. */
		pause = r->rl->period + SLIDE_GUARD;
		e = exch_of(f, r->rl->exchange);
		if (e->paused_until < clock_ms() + pause)
			e->paused_until = clock_ms() + pause;
	}
	return again(f, r, why, limited);
}

int
mdx_fetch_outstanding(const struct mdx_fetch *f)
{
	int n = f->active + f->queued;
	const struct mdx_fetch_req *r;

	for (r = f->done; r != NULL; r = r->next)
		n++;
	return n;
}

void
mdx_fetch_get_stats(const struct mdx_fetch *f, struct mdx_fetch_stats *st)
{
	*st = f->st;
}

/* Drops sliding-window entries older than the period. */
static int
slide_used(struct lim *l, mdx_time now)
{
	int used = 0;
	size_t i;

	while (l->nlog > 0 && l->log[l->head].t <= now - l->rl->period) {
		l->head = (l->head + 1) % l->caplog;
		l->nlog--;
	}
	for (i = 0; i < l->nlog; i++)
		used += l->log[(l->head + i) % l->caplog].w;
	return used;
}

static void
slide_add(struct lim *l, mdx_time now, int w)
{
	size_t i, n;
	struct sent *nl;

	if (l->nlog == l->caplog) {
		n = l->caplog ? l->caplog * 2 : 64;
		nl = mdx_calloc(n, sizeof(*nl));
		for (i = 0; i < l->nlog; i++)
			nl[i] = l->log[(l->head + i) % l->caplog];
		free(l->log);
		l->log = nl;
		l->caplog = n;
		l->head = 0;
	}
	l->log[(l->head + l->nlog) % l->caplog].t = now;
	l->log[(l->head + l->nlog) % l->caplog].w = w;
	l->nlog++;
}

static void
fixed_roll(struct lim *l, mdx_time now)
{
	mdx_time w = now - now % l->rl->period;

	if (w != l->win) {
		/*
		 * Requests still under way may be counted in the new window
		 * by the exchange: count them there too.
		 */
		l->prev = w == l->win + l->rl->period ? l->used : 0;
		l->win = w;
		l->used = l->inflight;
	}
}

/*
 * Whether a request of weight w may be sent now; if not, *wake is when to
 * look again.
 */
static int
lim_admit(struct lim *l, int w, mdx_time now, mdx_time *wake)
{
	mdx_time t;
	int used;
	size_t i;

	if (l->rl->fixed_window) {
		fixed_roll(l, now);
		/*
		 * Right after the start of a window the exchange's clock may
		 * still be in the window before: count that one too then.
		 */
		if (l->used + w <= l->limit && (now - l->win >= WINDOW_GUARD ||
		    l->prev + l->used + w <= l->limit))
			return 1;
		t = l->used + w <= l->limit ? l->win + WINDOW_GUARD :
		    l->win + l->rl->period + WINDOW_GUARD;
		if (*wake == 0 || t < *wake)
			*wake = t;
		return 0;
	}
	used = slide_used(l, now);
	if (used + w <= l->limit)
		return 1;
	/* When enough of the log has expired. */
	for (i = 0; i < l->nlog; i++) {
		used -= l->log[(l->head + i) % l->caplog].w;
		if (used + w <= l->limit)
			break;
	}
	t = (i < l->nlog ? l->log[(l->head + i) % l->caplog].t : now) +
	    l->rl->period + SLIDE_GUARD;
	if (*wake == 0 || t < *wake)
		*wake = t;
	return 0;
}

static void
lim_spend(struct mdx_fetch *f, struct lim *l, int w, mdx_time now)
{
	if (l->rl->fixed_window) {
		fixed_roll(l, now);
		l->used += w;
	} else
		slide_add(l, now, w);
	l->inflight += w;
	f->st.weight += w;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct mdx_fetch_req *r = arg;

	mdx_buf_add(&r->body, p, size * n);
	return size * n;
}

/* Picks the headers the engine needs: Retry-After, the used weight, and a
 * content type that says the answer is an HTML page. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct mdx_fetch_req *r = arg;
	size_t len = size * n, k;
	const char *v, *name;

	v = memchr(p, ':', len);
	if (v == NULL) {
		/* A status line starts a new answer (after a redirect or a
		 * 100 Continue): forget the headers seen so far. */
		if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
			r->retry_after = -1;
			r->used_weight = -1;
			r->html = 0;
		}
		return len;
	}
	k = v - p;
	v++;
	while (v < p + len && (*v == ' ' || *v == '\t'))
		v++;
	if (k == 11 && strncasecmp(p, "Retry-After", 11) == 0 &&
	    isdigit((unsigned char)*v))
		r->retry_after = strtol(v, NULL, 10);
	else if (k == 12 && strncasecmp(p, "Content-Type", 12) == 0 &&
	    strncasecmp(v, "text/html", 9) == 0)
		r->html = 1;
	else if ((name = r->rl->used_header) != NULL && k == strlen(name) &&
	    strncasecmp(p, name, k) == 0 && isdigit((unsigned char)*v))
		r->used_weight = strtol(v, NULL, 10);
	return len;
}

static void
start(struct mdx_fetch *f, struct mdx_fetch_req *r, mdx_time now)
{
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		mdx_die(MDX_EX_FAIL, "cannot initialise libcurl");
	mdx_buf_reset(&r->body);
	r->retry_after = -1;
	r->used_weight = -1;
	r->html = 0;
	r->tries++;
	curl_easy_setopt(c, CURLOPT_URL, r->url.data);
	curl_easy_setopt(c, CURLOPT_PRIVATE, r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, f->o.timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    f->o.timeout < 10000 ? f->o.timeout : 10000L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mdx-extract/" MDX_VERSION);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	r->easy = c;
	r->sent_at = now;
	if (curl_multi_add_handle(f->multi, c) != CURLM_OK)
		mdx_die(MDX_EX_FAIL, "cannot start a transfer");
	lim_spend(f, lim_of(f, r->rl), r->weight, now);
	exch_of(f, r->rl->exchange)->active++;
	f->active++;
	f->st.requests++;
}

/* Starts every queued request that may go now; returns when to look again
 * (0: nothing waits on time). */
static mdx_time
start_ready(struct mdx_fetch *f)
{
	struct mdx_fetch_req *r, *prev = NULL, *next;
	struct exch *e;
	mdx_time now = clock_ms(), wake = 0;

	for (r = f->queue; r != NULL; r = next) {
		next = r->next;
		e = exch_of(f, r->rl->exchange);
		if (e->banned != NULL) {
			/* Told to stay away longer than we may wait. */
			dequeue(f, prev, r);
			snprintf(r->why, sizeof(r->why), "%s: not sent: %s",
			    r->what.data, e->banned);
			r->ok = 0;
			r->status = MDX_EX_TEMPFAIL;
			finish(f, r);
			continue;
		}
		if (r->ready_at > now) {
			if (wake == 0 || r->ready_at < wake)
				wake = r->ready_at;
			prev = r;
			continue;
		}
		if (e->paused_until > now) {
			if (wake == 0 || e->paused_until < wake)
				wake = e->paused_until;
			prev = r;
			continue;
		}
		if (e->active >= f->o.connections ||
		    !lim_admit(lim_of(f, r->rl), r->weight, now, &wake)) {
			prev = r;
			continue;
		}
		dequeue(f, prev, r);
		start(f, r, now);
	}
	return wake;
}

/* Whether the body looks like an HTML page rather than JSON. */
static int
is_html(const struct mdx_fetch_req *r)
{
	const char *p = r->body.data;
	size_t i;

	if (r->html)
		return 1;
	for (i = 0; i < r->body.len && isspace((unsigned char)p[i]); i++)
		;
	return i < r->body.len && p[i] == '<';
}

/* The start of the body for a message: one line, at most 120 bytes. */
static void
snippet(const struct mdx_fetch_req *r, char *out, size_t outsz)
{
	size_t i, j = 0;

	for (i = 0; i < r->body.len && j + 1 < outsz && j < 120; i++) {
		unsigned char c = (unsigned char)r->body.data[i];
		out[j++] = c < 0x20 ? ' ' : (char)c;
	}
	out[j] = '\0';
}

/* The transfer of r ended with code cc: decide what follows. */
static void
ended(struct mdx_fetch *f, struct mdx_fetch_req *r, CURLcode cc)
{
	struct lim *l = lim_of(f, r->rl);
	struct exch *e = exch_of(f, r->rl->exchange);
	char why[300], snip[128];
	mdx_time now = clock_ms();
	long http = 0, pause;
	int status;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
	curl_multi_remove_handle(f->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	f->active--;
	e->active--;
	l->inflight -= r->weight;
	r->http = http;
	r->fetched_at = mdx_now();

	if (cc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s (curl error %d)",
		    curl_easy_strerror(cc), (int)cc);
		switch (cc) {
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
			status = MDX_EX_CONFIG;
			break;
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
			status = MDX_EX_UNAVAILABLE;
			break;
		default:
			if (again(f, r, why, 0) == -1)
				finish(f, r);
			return;
		}
		/* A bad URL or certificate: no second try would mend it. */
		snprintf(r->why, sizeof(r->why), "%s: %s", r->what.data, why);
		r->status = status;
		finish(f, r);
		return;
	}
	/*
	 * The exchange's own count of the weight used this window.  Only an
	 * answer to a request sent in this window tells about this window:
	 * one sent before may have been counted in the window before.
	 */
	if (r->used_weight >= 0 && l->rl->fixed_window) {
		fixed_roll(l, now);
		if (r->sent_at >= l->win &&
		    r->used_weight + l->inflight > l->used)
			l->used = (int)r->used_weight + l->inflight;
	}
	if (http == 429 || http == 418 ||
	    (http == 403 && r->rl->forbidden_is_limit)) {
		f->st.limited++;
		if (r->retry_after >= 0)
			pause = r->retry_after * 1000 + WINDOW_GUARD;
		else if (l->rl->fixed_window)
			pause = l->win + l->rl->period - now + WINDOW_GUARD;
		else
			pause = l->rl->period + SLIDE_GUARD;
		snippet(r, snip, sizeof(snip));
		if (pause > f->o.max_wait) {
			snprintf(r->why, sizeof(r->why), "%s: HTTP %ld, told "
			    "to wait %ld s, longer than %ld s: stopping (%s)",
			    r->what.data, http, pause / 1000,
			    f->o.max_wait / 1000, snip);
			r->status = MDX_EX_TEMPFAIL;
			/* Nothing more goes to a banned exchange. */
			e->paused_until = now + pause;
			free(e->banned);
			e->banned = mdx_strdup(r->why);
			finish(f, r);
			return;
		}
		if (e->paused_until < now + pause)
			e->paused_until = now + pause;
		snprintf(why, sizeof(why), "HTTP %ld, waiting %.1f s (%s)",
		    http, pause / 1000.0, snip);
		if (again(f, r, why, 1) == -1)
			finish(f, r);
		return;
	}
	if (http >= 500 || is_html(r) || r->body.len == 0) {
		snippet(r, snip, sizeof(snip));
		snprintf(why, sizeof(why), "HTTP %ld: %s", http,
		    r->body.len == 0 ? "empty answer" : is_html(r) ?
		    "an HTML page" : snip);
		if (again(f, r, why, 0) == -1)
			finish(f, r);
		return;
	}
	r->ok = 1;
	finish(f, r);
}

struct mdx_fetch_req *
mdx_fetch_wait(struct mdx_fetch *f, long max_ms)
{
	struct mdx_fetch_req *r;
	struct CURLMsg *msg;
	mdx_time deadline = clock_ms() + max_ms, wake, now;
	long t;
	int running, left;

	for (;;) {
		if ((r = f->done) != NULL) {
			f->done = r->next;
			if (f->done == NULL)
				f->dtail = NULL;
			r->next = NULL;
			return r;
		}
		if (f->active == 0 && f->queued == 0)
			return NULL;
		wake = start_ready(f);
		curl_multi_perform(f->multi, &running);
		while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&r);
			ended(f, r, msg->data.result);
		}
		if (f->done != NULL)
			continue;
		now = clock_ms();
		if (now >= deadline)
			return NULL;
		t = deadline - now;
		if (wake != 0 && wake - now < t)
			t = wake - now;
		if (t < 1)
			t = 1;
		if (f->active > 0)
			curl_multi_poll(f->multi, NULL, 0, (int)t, NULL);
		else
			usleep((useconds_t)t * 1000);
	}
}
