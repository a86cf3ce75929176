/*
 * trades.c - mdx-extract -k trades over the REST APIs: Binance aggregate
 * trades paged by id (found first by time), Bybit's latest trades, and
 * OKX's history trades paged back by trade id.  One request at a time per
 * symbol: the pages depend on each other.  Records are written oldest
 * first, and the state file (--resume) is replaced only after the records
 * before it are out, so that a run that fails anywhere is continued with
 * no trade twice and none lost.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "utc.h"

#include "exchange.h"
#include "fetch.h"
#include "extract.h"

/* Without --since and without a state: the last hour. */
#define TRADES_DEFAULT_SPAN MDX_MS_HOUR
/* Bybit: the ids kept of the trades of the newest millisecond written. */
#define SAME_MAX 256

/* Where a symbol's trades stand: the newest trade written (its id and
 * time in µs), and for Bybit the ids of the trades of that time. */
struct tstate {
	int have;
	char last_id[80];
	int64_t last_us;
	char *same[SAME_MAX];
	int nsame;
};

struct tseries {
	const struct mdx_market *m;
	const char *symbol;
	struct mdx_fetch *f;
	struct mdx_fetch_req req;
	struct tstate st;
	mdx_time lo, hi;	/* the range: [lo, hi) */
	unsigned long rows, requests, holes, rejected;
	struct mdx_buf out;
	char fetched[MDX_TIME_BUFSZ];
	int failed;
};

static char *
state_path(const struct tseries *t)
{
	return mdx_strfmt("%s/extract/%s/%s/%s/trades.json", opt.state_dir,
	    t->m->exchange, t->m->market, t->symbol);
}

static void
state_free(struct tstate *st)
{
	int i;

	for (i = 0; i < st->nsame; i++)
		free(st->same[i]);
	memset(st, 0, sizeof(*st));
}

/* Reads the state file: 0 when there is none or it is read, -1 after a
 * message when it is bad. */
static int
state_read(struct tseries *t)
{
	char *path = state_path(t), buf[32768];
	const struct mdx_json *root, *id, *tm, *same, *c;
	FILE *fp;
	size_t n;
	int64_t us;

	memset(&t->st, 0, sizeof(t->st));
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT) {
			free(path);
			return 0;
		}
		mdx_warn("cannot read state '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if ((root = mdx_json_parse(extract_doc, buf, n)) == NULL ||
	    (id = mdx_json_get(root, "last_id")) == NULL ||
	    id->type != MDX_JSON_STRING || id->escaped || id->len == 0 ||
	    id->len >= sizeof(t->st.last_id) ||
	    (tm = mdx_json_get(root, "last_time_us")) == NULL ||
	    mdx_json_int(tm, &us) == -1) {
		mdx_warn("bad state file '%s': no \"last_id\" and "
		    "\"last_time_us\" (at %s:1)", path, path);
		free(path);
		return -1;
	}
	memcpy(t->st.last_id, id->text, id->len);
	t->st.last_id[id->len] = '\0';
	t->st.last_us = us;
	if ((same = mdx_json_get(root, "same_time_ids")) != NULL &&
	    same->type == MDX_JSON_ARRAY)
		for (c = same->child; c != NULL && t->st.nsame < SAME_MAX;
		    c = c->next)
			if (c->type == MDX_JSON_STRING && !c->escaped)
				t->st.same[t->st.nsame++] = mdx_strfmt("%.*s",
				    (int)c->len, c->text);
	t->st.have = 1;
	free(path);
	return 0;
}

static void
state_write(const struct tseries *t)
{
	char *path = state_path(t), u[MDX_TIME_BUFSZ], ts[MDX_TIME_BUFSZ];
	struct mdx_buf b = MDX_BUF_INIT;
	int i;

	if (!opt.resume || !t->st.have)
		goto out;
	extract_fmt_time(mdx_now(), u);
	mdx_time_format_us(t->st.last_us, ts);
	mdx_buf_addch(&b, '{');
	mdx_buf_add_json_kv(&b, 1, "exchange", t->m->exchange);
	mdx_buf_add_json_kv(&b, 0, "market", t->m->market);
	mdx_buf_add_json_kv(&b, 0, "symbol", t->symbol);
	mdx_buf_add_json_kv(&b, 0, "kind", "trades");
	mdx_buf_add_json_kv(&b, 0, "last_id", t->st.last_id);
	mdx_buf_add_json_kv(&b, 0, "last_time", ts);
	mdx_buf_printf(&b, ",\"last_time_us\":%lld",
	    (long long)t->st.last_us);
	if (t->st.nsame > 0) {
		mdx_buf_addstr(&b, ",\"same_time_ids\":[");
		for (i = 0; i < t->st.nsame; i++) {
			if (i > 0)
				mdx_buf_addch(&b, ',');
			mdx_buf_add_json_str(&b, t->st.same[i],
			    strlen(t->st.same[i]));
		}
		mdx_buf_addch(&b, ']');
	}
	mdx_buf_add_json_kv(&b, 0, "updated_at", u);
	mdx_buf_addstr(&b, "}\n");
	extract_state_replace(path, &b);
out:
	mdx_buf_free(&b);
	free(path);
}

/* Writes the records of a page, then the state saying they are written. */
static void
flush_page(struct tseries *t)
{
	mdx_write(mdx_stdout(), t->out.data, t->out.len);
	mdx_buf_reset(&t->out);
	mdx_writer_flush(mdx_stdout());
	state_write(t);
}

/* GETs path (relative to the market's base URL) and returns the payload
 * of the answer, or NULL when the request failed for good (then the run's
 * status is set and t is failed). */
static const struct mdx_json *
get(struct tseries *t, const struct mdx_ratelimit *rl, int weight,
    struct mdx_buf *path)
{
	const struct mdx_json *root, *payload;
	struct mdx_fetch_req *r;
	enum mdx_answer a;
	char why[512];
	int status;

	mdx_buf_reset(&t->req.url);
	mdx_buf_addstr(&t->req.url, mdx_market_url(t->m));
	while (t->req.url.len > 0 &&
	    t->req.url.data[t->req.url.len - 1] == '/')
		t->req.url.data[--t->req.url.len] = '\0';
	mdx_buf_add(&t->req.url, path->data, path->len);
	mdx_buf_reset(&t->req.what);
	mdx_buf_printf(&t->req.what, "GET %s", path->data);
	t->req.rl = rl;
	t->req.weight = weight;
	t->requests++;
	mdx_fetch_submit(t->f, &t->req);
	for (;;) {
		while ((r = mdx_fetch_wait(t->f, 1000)) == NULL)
			;
		if (!r->ok) {
			mdx_warn("%s %s %s trades: %s", t->m->exchange,
			    t->m->market, t->symbol, r->why);
			extract_fail(r->status);
			t->failed = 1;
			return NULL;
		}
		root = mdx_json_parse(extract_doc, r->body.data, r->body.len);
		a = mdx_answer_check(t->m, MDX_KIND_TRADES, r->http, root,
		    &payload, &status, why, sizeof(why));
		if (root == NULL)
			snprintf(why, sizeof(why), "invalid JSON: %s",
			    mdx_json_error(extract_doc));
		if (a == MDX_ANSWER_OK) {
			extract_fmt_time(r->fetched_at, t->fetched);
			return payload;
		}
		if (a == MDX_ANSWER_ERROR ||
		    mdx_fetch_retry(t->f, r, why, a == MDX_ANSWER_LIMITED) ==
		    -1) {
			mdx_warn("%s %s %s trades: %s (%s)", t->m->exchange,
			    t->m->market, t->symbol,
			    a == MDX_ANSWER_ERROR ? why : r->why,
			    r->what.data);
			extract_fail(a == MDX_ANSWER_ERROR ? status :
			    r->status);
			t->failed = 1;
			return NULL;
		}
	}
}

/* Appends to b a record for the trade object v at time us. */
static void
record(struct tseries *t, struct mdx_buf *b, const struct mdx_json *v,
    int64_t us)
{
	char ts[MDX_TIME_BUFSZ];

	mdx_time_format_us(us, ts);
	mdx_buf_printf(b, "{\"mdx\":\"raw\",\"exchange\":\"%s\","
	    "\"market\":\"%s\",\"kind\":\"trades\",\"symbol\":",
	    t->m->exchange, t->m->market);
	mdx_buf_add_json_str(b, t->symbol, strlen(t->symbol));
	mdx_buf_printf(b, ",\"time\":\"%s\",\"source\":\"rest\","
	    "\"request\":", ts);
	mdx_buf_add_json_str(b, t->req.what.data, t->req.what.len);
	mdx_buf_printf(b, ",\"fetched_at\":\"%s\",\"data\":", t->fetched);
	extract_add_raw(b, v);
	mdx_buf_addstr(b, "}\n");
	t->rows++;
}

static void
bad_row(struct tseries *t, const char *why, unsigned i)
{
	mdx_warn("bad data from %s: %s (row %u of %s)", t->m->exchange, why,
	    i + 1, t->req.what.data);
	t->rejected++;
	t->failed = 1;
	extract_fail(MDX_EX_DATAERR);
}

/* An integer member of a trade object. */
static int
int_member(const struct mdx_json *o, const char *key, int64_t *v)
{
	const struct mdx_json *c = mdx_json_get(o, key);

	return c != NULL && c->type == MDX_JSON_NUMBER &&
	    mdx_json_int(c, v) == 0 ? 0 : -1;
}

/* An integer in a string member ("1704067200000"). */
static int
int_string(const struct mdx_json *o, const char *key, int64_t *v)
{
	const struct mdx_json *c = mdx_json_get(o, key);
	size_t i;

	if (c == NULL || c->type != MDX_JSON_STRING || c->len == 0 ||
	    c->len > 18)
		return -1;
	*v = 0;
	for (i = 0; i < c->len; i++) {
		if (c->text[i] < '0' || c->text[i] > '9')
			return -1;
		*v = *v * 10 + (c->text[i] - '0');
	}
	return 0;
}

/*
 * Binance: the first aggregate id at or after lo is found by time, an hour
 * at a time (startTime and endTime at most an hour apart); from there the
 * pages go by fromId, 1000 at a time, until a trade at or after hi or the
 * newest trade.  A gap between consecutive ids is reported as a hole.
 */
static void
binance_trades(struct tseries *t)
{
	const struct mdx_json *rows, *v;
	struct mdx_buf path = MDX_BUF_INIT;
	int usdm = strcmp(t->m->market, "usdm") == 0;
	const char *pre = usdm ? "/fapi/v1" : "/api/v3";
	int64_t from = -1, last = -1, a, tm, fi, la;
	mdx_time wlo = t->lo;
	unsigned i;
	int weight = usdm ? 20 : 4, done = 0, full;

	if (t->st.have) {
		last = strtoll(t->st.last_id, NULL, 10);
		from = last + 1;
	}
	while (!done && !t->failed) {
		mdx_buf_reset(&path);
		if (from < 0) {
			if (wlo >= t->hi)
				break;
			mdx_buf_printf(&path, "%s/aggTrades?symbol=%s&startTime="
			    "%lld&endTime=%lld&limit=1000", pre, t->symbol,
			    (long long)wlo, (long long)(wlo + MDX_MS_HOUR - 1 <
			    t->hi - 1 ? wlo + MDX_MS_HOUR - 1 : t->hi - 1));
		} else
			mdx_buf_printf(&path, "%s/aggTrades?symbol=%s&fromId="
			    "%lld&limit=1000", pre, t->symbol, (long long)from);
		if ((rows = get(t, t->m->rl_klines, weight, &path)) == NULL)
			break;
		full = rows->nchild >= 1000;
		for (i = 0, v = rows->child; v != NULL; v = v->next, i++) {
			if (v->type != MDX_JSON_OBJECT ||
			    int_member(v, "a", &a) == -1 ||
			    int_member(v, "T", &tm) == -1 ||
			    int_member(v, "f", &fi) == -1 ||
			    int_member(v, "l", &la) == -1 || la < fi ||
			    mdx_json_get(v, "p") == NULL ||
			    mdx_json_get(v, "q") == NULL ||
			    mdx_json_get(v, "m") == NULL) {
				bad_row(t, "not an aggregate trade", i);
				break;
			}
			if (last >= 0 && a <= last)
				continue;	/* already written */
			if (tm >= t->hi) {
				done = 1;
				break;
			}
			if (tm < t->lo && !t->st.have)
				continue;	/* before --since, found by time */
			if (last >= 0 && a != last + 1) {
				mdx_warn("hole in aggregate trade ids of %s %s "
				    "%s: %lld to %lld missing (at %s)",
				    t->m->exchange, t->m->market, t->symbol,
				    (long long)(last + 1), (long long)(a - 1),
				    t->req.what.data);
				t->holes++;
			}
			record(t, &t->out, v, mdx_us_from_epoch(tm));
			last = a;
			t->st.have = 1;
			snprintf(t->st.last_id, sizeof(t->st.last_id), "%lld",
			    (long long)a);
			t->st.last_us = mdx_us_from_epoch(tm);
		}
		flush_page(t);
		if (from < 0) {
			if (last >= 0)
				from = last + 1;
			else
				wlo += MDX_MS_HOUR;
		} else {
			from = last + 1;
			if (!full)
				done = 1;	/* the newest trade */
		}
	}
	mdx_buf_free(&path);
}

/* Whether Bybit trade v (time us, id) is written already. */
static int
bybit_seen(const struct tseries *t, int64_t us, const struct mdx_json *id)
{
	int i;

	if (!t->st.have || us > t->st.last_us)
		return 0;
	if (us < t->st.last_us)
		return 1;
	for (i = 0; i < t->st.nsame; i++)
		if (strlen(t->st.same[i]) == id->len &&
		    memcmp(t->st.same[i], id->text, id->len) == 0)
			return 1;
	return 0;
}

/*
 * Bybit: /v5/market/recent-trade serves only the newest trades (60 on
 * spot, 1000 elsewhere); older ones are in the trading-history files
 * (--archive).  The trades of the answer not yet written and inside the
 * range are written oldest first; when the answer does not reach back to
 * where the last run (or --since) ended, the trades between are reported
 * as lost.
 */
static void
bybit_trades(struct tseries *t)
{
	const struct mdx_json *rows, *v, *id, **vec;
	struct mdx_buf path = MDX_BUF_INIT;
	int64_t ms, us, oldest = INT64_MAX;
	unsigned i, n;
	int spot = strcmp(t->m->category, "spot") == 0, k;

	mdx_buf_printf(&path, "/v5/market/recent-trade?category=%s&symbol=%s"
	    "&limit=%d", t->m->category, t->symbol, spot ? 60 : 1000);
	if ((rows = get(t, t->m->rl_klines, 1, &path)) == NULL)
		goto out;
	n = rows->nchild;
	vec = mdx_calloc(n + 1, sizeof(*vec));
	for (i = 0, v = rows->child; v != NULL; v = v->next, i++) {
		if (v->type != MDX_JSON_OBJECT ||
		    (id = mdx_json_get(v, "execId")) == NULL ||
		    id->type != MDX_JSON_STRING || id->escaped ||
		    id->len == 0 || id->len >= 80 ||
		    int_string(v, "time", &ms) == -1) {
			bad_row(t, "not a trade", i);
			free(vec);
			goto out;
		}
		vec[i] = v;
		if (ms * 1000 < oldest)
			oldest = ms * 1000;
	}
	if (n >= (unsigned)(spot ? 60 : 1000) && oldest >
	    (t->st.have ? t->st.last_us : (int64_t)t->lo * 1000)) {
		char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];

		mdx_time_format_us(t->st.have ? t->st.last_us :
		    (int64_t)t->lo * 1000, a);
		mdx_time_format_us(oldest, b);
		mdx_warn("bybit %s %s: recent-trade reaches back to %s only: "
		    "trades from %s to it are not served (read the trading-"
		    "history files with --archive)", t->m->market, t->symbol,
		    b, a);
	}
	/* Newest first in the answer: written from the end. */
	for (k = (int)n - 1; k >= 0; k--) {
		v = vec[k];
		id = mdx_json_get(v, "execId");
		int_string(v, "time", &ms);
		us = ms * 1000;
		if ((ms < t->lo && !t->st.have) || ms >= t->hi ||
		    bybit_seen(t, us, id))
			continue;
		record(t, &t->out, v, us);
		if (!t->st.have || us > t->st.last_us) {
			state_free(&t->st);
			t->st.last_us = us;
		}
		t->st.have = 1;
		snprintf(t->st.last_id, sizeof(t->st.last_id), "%.*s",
		    (int)id->len, id->text);
		if (t->st.nsame < SAME_MAX)
			t->st.same[t->st.nsame++] = mdx_strfmt("%.*s",
			    (int)id->len, id->text);
	}
	free(vec);
	flush_page(t);
out:
	mdx_buf_free(&path);
}

/*
 * OKX: /api/v5/market/history-trades pages back only (after = older than).
 * The newest page before hi is asked for by time (type=2), the rest by
 * trade id (type=1), down to the last trade written or lo; the pages are
 * kept and written oldest first at the end.
 */
static void
okx_trades(struct tseries *t)
{
	const struct mdx_json *rows, *v;
	struct mdx_buf path = MDX_BUF_INIT, keep = MDX_BUF_INIT;
	int64_t ms, tid, lowest = -1, stop = -1, newest = -1, newest_us = 0;
	size_t *at = NULL, nat = 0, j;
	unsigned i;
	int done = 0;

	if (t->st.have)
		stop = strtoll(t->st.last_id, NULL, 10);
	while (!done && !t->failed) {
		mdx_buf_reset(&path);
		if (lowest < 0)
			mdx_buf_printf(&path, "/api/v5/market/history-trades?"
			    "instId=%s&type=2&after=%lld&limit=100", t->symbol,
			    (long long)t->hi);
		else
			mdx_buf_printf(&path, "/api/v5/market/history-trades?"
			    "instId=%s&type=1&after=%lld&limit=100", t->symbol,
			    (long long)lowest);
		if ((rows = get(t, t->m->rl_history, 1, &path)) == NULL)
			break;
		if (rows->nchild == 0)
			break;
		for (i = 0, v = rows->child; v != NULL; v = v->next, i++) {
			if (v->type != MDX_JSON_OBJECT ||
			    int_string(v, "tradeId", &tid) == -1 ||
			    int_string(v, "ts", &ms) == -1 ||
			    (lowest >= 0 && tid >= lowest)) {
				bad_row(t, "not a trade older than the page "
				    "before", i);
				break;
			}
			lowest = tid;
			if (tid <= stop || (stop < 0 && ms < t->lo)) {
				done = 1;
				break;
			}
			if (newest < 0) {
				newest = tid;
				newest_us = ms * 1000;
			}
			/* Kept as a whole record, written in reverse. */
			at = mdx_realloc(at, (nat + 1) * sizeof(*at));
			at[nat++] = keep.len;
			record(t, &keep, v, ms * 1000);
		}
	}
	if (!t->failed) {
		for (j = nat; j > 0; j--)
			mdx_buf_add(&t->out, keep.data + at[j - 1],
			    (j == nat ? keep.len : at[j]) - at[j - 1]);
		if (newest >= 0) {
			t->st.have = 1;
			snprintf(t->st.last_id, sizeof(t->st.last_id), "%lld",
			    (long long)newest);
			t->st.last_us = newest_us;
		}
		flush_page(t);
	} else
		t->rows -= nat;
	free(at);
	mdx_buf_free(&keep);
	mdx_buf_free(&path);
}

void
extract_run_trades(void)
{
	const struct mdx_market *m = mdx_market_lookup(opt.exchange,
	    opt.market);
	struct tseries t;
	struct mdx_fetch *f;
	mdx_time t0;
	int i;

	f = mdx_fetch_new(&opt.fo);
	if (opt.weight_limit > 0 && m->id == MDX_BINANCE)
		mdx_fetch_set_limit(f, m->rl_klines, opt.weight_limit);
	for (i = 0; i < opt.nsymbols; i++) {
		memset(&t, 0, sizeof(t));
		t.m = m;
		t.symbol = opt.symbols[i];
		t.f = f;
		mdx_fetch_req_init(&t.req);
		t.hi = opt.have_until && opt.until < extract_now_ms ?
		    opt.until : extract_now_ms;
		t.lo = opt.have_since ? opt.since : t.hi - TRADES_DEFAULT_SPAN;
		t0 = extract_real_ms();
		if (opt.resume && state_read(&t) == -1) {
			extract_fail(MDX_EX_DATAERR);
			mdx_fetch_req_free(&t.req);
			continue;
		}
		if (m->id == MDX_BINANCE)
			binance_trades(&t);
		else if (m->id == MDX_BYBIT)
			bybit_trades(&t);
		else
			okx_trades(&t);
		if (mdx_verbose >= 1)
			fprintf(stderr, "%s: %s %s trades %s: %lu trades, %lu "
			    "requests, %lu holes in the ids, %lu rejected, "
			    "%.1f s%s\n", mdx_progname, m->exchange, m->market,
			    t.symbol, t.rows, t.requests, t.holes, t.rejected,
			    (extract_real_ms() - t0) / 1000.0,
			    t.failed ? ", FAILED" : "");
		state_free(&t.st);
		mdx_buf_free(&t.out);
		mdx_fetch_req_free(&t.req);
	}
	mdx_writer_flush(mdx_stdout());
	mdx_fetch_free(f);
}
