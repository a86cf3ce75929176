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
#include "budget.h"
#include "fetch.h"

/* Extra wait after a fixed window ends, for clocks that disagree. */
#define WINDOW_GUARD 250
/* Extra wait after a sliding window's entry expires. */
#define SLIDE_GUARD 200
/* The longest backoff between two tries. */
#define BACKOFF_CAP 10000
/* How many times one request may be told "too many requests". */
#define MAX_LIMITED 10
/*
 * A 418 (a ban) whose Retry-After is missing or unreadable: Binance bans
 * for 2 minutes to 3 days, so only the longest is certainly over.
 */
#define BAN_DEFAULT (3 * 86400000L)
/* The longest Retry-After taken as given (delta-seconds saturate here). */
#define RETRY_AFTER_MAX 1000000000L

/* A rate limit as this process uses it: its budget and what it has under
 * way.  What was spent is in the exchange's shared budget. */
struct lim {
	const struct mdx_ratelimit *rl;
	int limit;		/* the budget: limit * share */
	int inflight;		/* weight under way */
	int blocked;		/* refused in this pass of start_ready() */
};

/* The state of one exchange at one host. */
struct exch {
	const char *name;
	char *host;
	struct mdx_budget *budget;
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

/* The host and port of url, for the name of its budget. */
static char *
url_host(const char *url)
{
	const char *p, *q;

	p = (q = strstr(url, "://")) != NULL ? q + 3 : url;
	q = p + strcspn(p, "/?#");
	return mdx_strndup(p, (size_t)(q - p));
}

/* The exchange and host r goes to: the exchanges count per address and
 * host (Binance spot and USD-M apart). */
static struct exch *
exch_of(struct mdx_fetch *f, const struct mdx_fetch_req *r)
{
	struct exch *e;
	char *host = url_host(r->url.data);
	int i;

	for (i = 0; i < f->nex; i++)
		if (strcmp(f->ex[i].name, r->rl->exchange) == 0 &&
		    strcmp(f->ex[i].host, host) == 0) {
			free(host);
			return &f->ex[i];
		}
	if (f->nex == (int)(sizeof(f->ex) / sizeof(f->ex[0])))
		mdx_die(MDX_EX_FAIL, "too many exchanges");
	e = &f->ex[f->nex++];
	memset(e, 0, sizeof(*e));
	e->name = r->rl->exchange;
	e->host = host;
	e->budget = mdx_budget_open(f->o.state_dir, e->name, host);
	return e;
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
	for (i = 0; i < f->nex; i++) {
		free(f->ex[i].banned);
		free(f->ex[i].host);
		mdx_budget_free(f->ex[i].budget);
	}
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
	r->exch = NULL;
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
	char msg[400];

	if (limited) {
		f->st.limited++;
		/* The exchange said so in its body, with no Retry-After:
		 * wait out a whole window of the limit. */
		snprintf(msg, sizeof(msg), "%s: %s", r->what.data, why);
		mdx_budget_pause(exch_of(f, r)->budget, clock_ms() +
		    r->rl->period + SLIDE_GUARD, msg);
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

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct mdx_fetch_req *r = arg;

	mdx_buf_add(&r->body, p, size * n);
	return size * n;
}

/*
 * The wait a Retry-After value v[0..n) asks for, in ms (RFC 9110 10.2.3):
 * delta-seconds, saturating at RETRY_AFTER_MAX, or an HTTP-date, which
 * starts with the name of a day; -2 for anything else ("1e9", "-5", "").
 */
static long
retry_after_ms(const char *v, size_t n)
{
	char date[64];
	time_t t, now;
	long s = 0;
	size_t i;

	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -2;
	if (isdigit((unsigned char)v[0])) {
		for (i = 0; i < n; i++) {
			if (!isdigit((unsigned char)v[i]))
				return -2;
			if (s < RETRY_AFTER_MAX)
				s = s * 10 + (v[i] - '0');
		}
		if (s > RETRY_AFTER_MAX)
			s = RETRY_AFTER_MAX;
		return s * 1000;
	}
	if (!isalpha((unsigned char)v[0]) || n >= sizeof(date))
		return -2;
	memcpy(date, v, n);
	date[n] = '\0';
	if ((t = curl_getdate(date, NULL)) == -1)
		return -2;
	now = time(NULL);
	if (t <= now)
		return 0;
	if (t - now > RETRY_AFTER_MAX)
		return RETRY_AFTER_MAX * 1000;
	return (long)(t - now) * 1000;
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
	if (k == 11 && strncasecmp(p, "Retry-After", 11) == 0)
		r->retry_after = retry_after_ms(v, (size_t)(p + len - v));
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
	lim_of(f, r->rl)->inflight += r->weight;
	((struct exch *)r->exch)->active++;
	f->active++;
	f->st.requests++;
	f->st.weight += r->weight;
}

/* Gives r up without sending it: its exchange is banned. */
static void
refuse(struct mdx_fetch *f, struct mdx_fetch_req *prev,
    struct mdx_fetch_req *r, const char *why)
{
	dequeue(f, prev, r);
	snprintf(r->why, sizeof(r->why), "%s: not sent: %s", r->what.data,
	    why);
	r->ok = 0;
	r->status = MDX_EX_TEMPFAIL;
	finish(f, r);
}

/* Starts every queued request that may go now; returns when to look again
 * (0: nothing waits on time). */
static mdx_time
start_ready(struct mdx_fetch *f)
{
	struct mdx_fetch_req *r, *prev = NULL, *next;
	struct exch *e;
	struct lim *l;
	char until[MDX_TIME_BUFSZ];
	mdx_time now = clock_ms(), wake = 0, t;
	int i;

	for (i = 0; i < f->nlim; i++)
		f->lims[i].blocked = 0;
	for (r = f->queue; r != NULL; r = next) {
		next = r->next;
		if (r->exch == NULL)
			r->exch = exch_of(f, r);
		e = r->exch;
		l = lim_of(f, r->rl);
		if (e->banned != NULL) {
			/* Told to stay away longer than we may wait. */
			refuse(f, prev, r, e->banned);
			continue;
		}
		if (r->ready_at > now) {
			if (wake == 0 || r->ready_at < wake)
				wake = r->ready_at;
			prev = r;
			continue;
		}
		if (e->active >= f->o.connections || l->blocked) {
			prev = r;
			continue;
		}
		t = 0;
		switch (mdx_budget_take(e->budget, r->rl, l->limit, r->weight,
		    l->inflight, now, &t)) {
		case MDX_BUDGET_TAKEN:
			dequeue(f, prev, r);
			start(f, r, now);
			continue;
		case MDX_BUDGET_PAUSED:
			if (t - now > f->o.max_wait) {
				/* Paused by this process or another, longer
				 * than this run may wait. */
				mdx_time_format(t, until);
				e->banned = mdx_strfmt("%s is paused until %s, "
				    "longer than %ld s (%s: %s)", e->name,
				    until, f->o.max_wait / 1000,
				    mdx_budget_path(e->budget),
				    mdx_budget_why(e->budget));
				refuse(f, prev, r, e->banned);
				continue;
			}
			/* FALLTHROUGH */
		case MDX_BUDGET_WAIT:
			l->blocked = 1;
			if (wake == 0 || t < wake)
				wake = t;
			prev = r;
			continue;
		}
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

/*
 * The wait a 429, 418 or the like calls for, in ms: the Retry-After the
 * exchange gave; without a readable one, the longest ban for a 418, else
 * the rest of the limit's window.
 */
static long
limited_pause(const struct mdx_fetch_req *r, long http, mdx_time now)
{
	const struct mdx_ratelimit *rl = r->rl;

	if (r->retry_after >= 0)
		return r->retry_after + WINDOW_GUARD;
	if (http == 418)
		return BAN_DEFAULT;
	if (rl->fixed_window)
		return rl->period - now % rl->period + WINDOW_GUARD;
	return rl->period + SLIDE_GUARD;
}

/* The transfer of r ended with code cc: decide what follows. */
static void
ended(struct mdx_fetch *f, struct mdx_fetch_req *r, CURLcode cc)
{
	struct lim *l = lim_of(f, r->rl);
	struct exch *e = r->exch;
	char why[300], snip[128], until[MDX_TIME_BUFSZ];
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
	/* The exchange's own count of the weight used in its window, which
	 * counts every program on the address. */
	if (r->used_weight >= 0)
		mdx_budget_seen(e->budget, r->rl, r->used_weight, l->inflight,
		    r->sent_at, now);
	if (http == 429 || http == 418 ||
	    (http == 403 && r->rl->forbidden_is_limit)) {
		f->st.limited++;
		pause = limited_pause(r, http, now);
		snippet(r, snip, sizeof(snip));
		/* Every process of the host stops until the pause ends. */
		mdx_time_format(now + pause, until);
		snprintf(why, sizeof(why), "HTTP %ld to %s (%s)", http,
		    r->what.data, snip);
		mdx_budget_pause(e->budget, now + pause, why);
		if (pause > f->o.max_wait) {
			snprintf(r->why, sizeof(r->why), "%s: HTTP %ld, told "
			    "to wait %ld s, longer than %ld s: stopping; "
			    "nothing goes to %s before %s (%s)", r->what.data,
			    http, pause / 1000, f->o.max_wait / 1000, e->name,
			    until, snip);
			r->status = MDX_EX_TEMPFAIL;
			/* Nothing more goes to a banned exchange. */
			free(e->banned);
			e->banned = mdx_strdup(r->why);
			finish(f, r);
			return;
		}
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
