/*
 * rest.c - mdx-extract's fetching over the exchanges' REST APIs: the
 * records, the requests of every window, the checks of the answers, and
 * the loop that keeps the connections busy and writes each series in
 * order.
 */
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

static struct mdx_fetch *fetcher;
static unsigned long total_rows;

/* The start n intervals after t (t aligned). */
static mdx_time
add_iv(const struct mdx_interval *iv, mdx_time t, int64_t n)
{
	if (iv->ms > 0)
		return t + n * iv->ms;
	while (n-- > 0)
		t = mdx_interval_next(iv, t);
	return t;
}

/* ------------------------------------------------------------------------
 * Records.
 */

void
extract_add_raw(struct mdx_buf *b, const struct mdx_json *v)
{
	if ((v->type == MDX_JSON_ARRAY || v->type == MDX_JSON_OBJECT) &&
	    v->text != NULL && v->len >= 2 &&
	    v->text[0] == (v->type == MDX_JSON_ARRAY ? '[' : '{') &&
	    memchr(v->text, '\n', v->len) == NULL &&
	    memchr(v->text, '\r', v->len) == NULL)
		mdx_buf_add(b, v->text, v->len);
	else
		mdx_json_dump(v, b);
}

/* Starts a record: the envelope up to "time". */
static void
record_start(struct mdx_buf *b, const struct series *s, const char *symbol,
    size_t symlen, int kind)
{
	mdx_buf_printf(b, "{\"mdx\":\"raw\",\"exchange\":\"%s\",\"market\":"
	    "\"%s\",\"kind\":\"%s\",\"symbol\":", s->m->exchange, s->m->market,
	    mdx_kind_name(kind));
	mdx_buf_add_json_str(b, symbol, symlen);
	if (mdx_kind_has_interval(kind))
		mdx_buf_printf(b, ",\"interval\":\"%s\"", s->iv->code);
}

static void
record_rest(struct mdx_buf *b, mdx_time t, const struct mdx_fetch_req *r,
    const char *fetched)
{
	char ts[MDX_TIME_BUFSZ];

	extract_fmt_time(t, ts);
	mdx_buf_printf(b, ",\"time\":\"%s\",\"source\":\"rest\",\"request\":",
	    ts);
	mdx_buf_add_json_str(b, r->what.data, r->what.len);
	mdx_buf_printf(b, ",\"fetched_at\":\"%s\"", fetched);
}

/* Reports bad data from an exchange with the exchange's request. */
static void
bad_row(struct window *w, const char *why, unsigned i)
{
	mdx_warn("bad data from %s: %s (row %u of %s)", w->s->m->exchange, why,
	    i + 1, w->req.what.data);
	w->rejected++;
	extract_fail(MDX_EX_DATAERR);
}

/* ------------------------------------------------------------------------
 * Requests.
 */
static void
submit(struct window *w)
{
	struct series *s = w->s;
	struct mdx_request rq;
	const char *base = mdx_market_url(s->m);

	mdx_buf_init(&rq.path);
	switch (s->kind) {
	case MDX_KIND_KLINES:
		mdx_request_klines(s->m, s->symbol, s->iv, w->cur_lo, w->cur_hi,
		    extract_now_ms, &rq);
		break;
	case MDX_KIND_DEPTH:
		mdx_request_depth(s->m, s->symbol, opt.depth, &rq);
		break;
	case MDX_KIND_TRADES:
		mdx_kraken_request_trades(s->m, s->symbol, s->cursor, &rq);
		break;
	case MDX_KIND_INSTRUMENTS:
		mdx_request_instruments(s->m, w->cursor, &rq);
		break;
	default:
		mdx_request_series(s->m, s->kind, s->symbol, s->iv, w->cur_lo,
		    w->cur_hi, &rq);
		break;
	}
	mdx_buf_reset(&w->req.url);
	mdx_buf_addstr(&w->req.url, base);
	while (w->req.url.len > 0 && w->req.url.data[w->req.url.len - 1] ==
	    '/')
		w->req.url.data[--w->req.url.len] = '\0';
	mdx_buf_add(&w->req.url, rq.path.data, rq.path.len);
	mdx_buf_reset(&w->req.what);
	mdx_buf_addstr(&w->req.what, "GET ");
	mdx_buf_add(&w->req.what, rq.path.data, rq.path.len);
	w->req.rl = rq.rl;
	w->req.weight = rq.weight;
	w->req.udata = w;
	mdx_buf_free(&rq.path);
	s->requests++;
	mdx_fetch_submit(fetcher, &w->req);
}

static struct window *
window_new(struct series *s, mdx_time lo, mdx_time hi)
{
	struct window *w = mdx_calloc(1, sizeof(*w));

	w->s = s;
	w->lo = w->cur_lo = lo;
	w->hi = w->cur_hi = hi;
	w->last = INT64_MIN;
	w->stop_at = INT64_MIN;
	mdx_fetch_req_init(&w->req);
	mdx_buf_init(&w->out);
	if (s->tail != NULL)
		s->tail->next = w;
	else
		s->head = w;
	s->tail = w;
	s->inflight++;
	return w;
}

static void
window_free(struct window *w)
{
	mdx_fetch_req_free(&w->req);
	mdx_buf_free(&w->out);
	free(w->cursor);
	free(w);
}

/* Plans and submits the next window of s; 0 when there is none. */
static int
plan_next(struct series *s)
{
	struct window *w;
	mdx_time hi;

	if (s->finished || s->failed || s->stopped)
		return 0;
	if (!mdx_kind_ranged(s->kind)) {
		if (s->plan != 0)
			return 0;
		s->plan = 1;
		w = window_new(s, 0, 0);
		submit(w);
		return 1;
	}
	if (s->plan >= s->hi)
		return 0;
	/*
	 * A window of one page.  Funding is planned by the hour (so that
	 * the range ends at the last full hour) but comes mostly every 8
	 * hours: its windows are a page of 8 hours, and a window of
	 * shorter intervals is finished by the requests a full page calls
	 * for.
	 */
	hi = add_iv(s->iv, s->plan, (int64_t)mdx_market_page(s->m, s->kind) *
	    (s->kind == MDX_KIND_FUNDING ? 8 : 1));
	if (hi > s->hi)
		hi = s->hi;
	w = window_new(s, s->plan, hi);
	s->plan = hi;
	submit(w);
	return 1;
}

/* ------------------------------------------------------------------------
 * Answers.
 */

/* Gives up a window: its series stops there. */
static void
window_fail(struct window *w, int status, const char *why)
{
	/* One message per series: later windows fail for the same reason. */
	if (!w->s->errored)
		mdx_warn("%s", why);
	w->s->errored = 1;
	extract_fail(status);
	w->failed = 1;
	w->done = 1;
}

/*
 * Takes the rows of one answer of a ranged kind (klines, mark, index and
 * premium klines, funding, open interest) into the window: checks every
 * row, keeps those inside the part asked for in time order, and asks again
 * for what a full page may have left out.  Returns 1 when the window is
 * complete.
 */
static int
take_rows(struct window *w, const struct mdx_json *rows)
{
	struct series *s = w->s;
	const struct mdx_json **v;
	struct mdx_buf page = MDX_BUF_INIT;
	char why[200], fetched[MDX_TIME_BUFSZ];
	mdx_time t, first = INT64_MAX, newest = INT64_MIN;
	const struct mdx_json *c;
	unsigned n = rows->nchild, i, k;
	int closed, r, candles = mdx_kind_candles(s->kind);

	v = mdx_calloc(n + 1, sizeof(*v));
	/* Oldest first, whatever the exchange's order. */
	for (i = 0, c = rows->child; c != NULL; c = c->next, i++)
		v[s->m->newest_first ? n - 1 - i : i] = c;
	extract_fmt_time(w->req.fetched_at, fetched);
	for (k = 0; k < n; k++) {
		i = s->m->newest_first ? n - 1 - k : k;
		if (s->kind == MDX_KIND_KLINES)
			r = mdx_kline_row(s->m, s->iv, v[k], w->req.fetched_at,
			    &t, &closed, why, sizeof(why));
		else
			r = mdx_series_row(s->m, s->kind, s->iv, v[k],
			    w->req.fetched_at, &t, &closed, why, sizeof(why));
		if (r == -1) {
			bad_row(w, why, i);
			continue;
		}
		/*
		 * Kraken answers up to its newest candle whatever the end
		 * asked for, and Coinbase may add some from before the
		 * start: those are passed over.
		 */
		if ((t >= w->cur_hi && s->m->to_newest) ||
		    (t < w->cur_lo && s->m->id == MDX_COINBASE))
			continue;
		if (t < w->cur_lo || t >= w->cur_hi) {
			char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];
			char ts[MDX_TIME_BUFSZ];

			extract_fmt_time(t, ts);
			extract_fmt_time(w->cur_lo, a);
			extract_fmt_time(w->cur_hi, b);
			snprintf(why, sizeof(why), "row at %s outside the "
			    "range asked for [%s, %s)", ts, a, b);
			bad_row(w, why, i);
			continue;
		}
		if (t <= newest || t <= w->last) {
			snprintf(why, sizeof(why),
			    "row repeated or out of order");
			bad_row(w, why, i);
			continue;
		}
		if (t < first)
			first = t;
		newest = t;
		if (!closed && !opt.include_open) {
			/* Not closed yet (OKX confirms a little after the
			 * end): nothing from here on is written this time. */
			w->stop_at = t;
			break;
		}
		record_start(&page, s, s->symbol, strlen(s->symbol), s->kind);
		record_rest(&page, t, &w->req, fetched);
		if (!candles)
			mdx_buf_addstr(&page, ",\"data\":");
		else
			mdx_buf_addstr(&page, closed ?
			    ",\"closed\":true,\"data\":" :
			    ",\"closed\":false,\"data\":");
		extract_add_raw(&page, v[k]);
		mdx_buf_addstr(&page, "}\n");
		w->rows++;
	}
	free(v);
	/* Pages come in order within the window: forward pages append,
	 * backward ones go before what came already. */
	if (s->m->newest_first && w->out.len > 0) {
		mdx_buf_add(&page, w->out.data, w->out.len);
		mdx_buf_free(&w->out);
		w->out = page;
	} else {
		mdx_buf_add(&w->out, page.data, page.len);
		mdx_buf_free(&page);
	}
	if (newest > w->last && !s->m->newest_first)
		w->last = newest;
	if (w->stop_at != INT64_MIN ||
	    n < (unsigned)mdx_market_page(s->m, s->kind) || first == INT64_MAX ||
	    s->m->to_newest)
		return 1;
	/* A full page: what it did not reach may hold more candles. */
	if (s->m->newest_first) {
		if (first <= w->cur_lo)
			return 1;
		w->cur_hi = first;
	} else {
		/* Funding times need not fall on a boundary. */
		t = s->kind != MDX_KIND_FUNDING ?
		    mdx_interval_next(s->iv, newest) : newest + 1;
		if (t >= w->cur_hi)
			return 1;
		w->cur_lo = t;
	}
	return 0;
}

static void
take_depth(struct window *w, const struct mdx_json *book)
{
	struct series *s = w->s;
	char fetched[MDX_TIME_BUFSZ];

	extract_fmt_time(w->req.fetched_at, fetched);
	record_start(&w->out, s, s->symbol, strlen(s->symbol), MDX_KIND_DEPTH);
	record_rest(&w->out, mdx_depth_time(s->m, book, w->req.fetched_at),
	    &w->req, fetched);
	mdx_buf_addstr(&w->out, ",\"data\":");
	extract_add_raw(&w->out, book);
	mdx_buf_addstr(&w->out, "}\n");
	w->rows++;
}

/* Whether sym is among the symbols asked for (all when none were). */
static int
wanted(const struct mdx_json *sym, unsigned char *seen)
{
	int i;

	if (opt.nsymbols == 0)
		return 1;
	for (i = 0; i < opt.nsymbols; i++)
		if (mdx_json_str_eq(sym, opt.symbols[i])) {
			seen[i] = 1;
			return 1;
		}
	return 0;
}

unsigned char *extract_inst_seen;

/*
 * Takes a page of trades (Kraken), oldest first, into the window: a trade
 * at or after the end of the series ends it, as does a short page; else
 * the next page starts at Kraken's cursor.  A trade whose id is not above
 * the last one written is one written already (a cursor made from a
 * trade's time, which Kraken rounds, can ask for it again) and is passed
 * over.  Returns 1 when the series is complete.
 */
static int
take_trades(struct window *w, const struct mdx_json *root,
    const struct mdx_json *rows)
{
	struct series *s = w->s;
	const struct mdx_json *c, *cur;
	char fetched[MDX_TIME_BUFSZ], why[200];
	int64_t ns, id, last_ns = -1, prev = -1;
	unsigned i;
	int stop = 0;

	extract_fmt_time(w->req.fetched_at, fetched);
	for (i = 0, c = rows->child; c != NULL; c = c->next, i++) {
		if (mdx_kraken_trade_row(c, &ns, &id, why, sizeof(why)) == -1) {
			bad_row(w, why, i);
			continue;
		}
		if (ns < prev) {
			bad_row(w, "trade out of order", i);
			continue;
		}
		prev = ns;
		if (id <= s->last_id)
			continue;
		if (ns / 1000000 >= s->hi) {
			stop = 1;
			break;
		}
		record_start(&w->out, s, s->symbol, strlen(s->symbol),
		    MDX_KIND_TRADES);
		record_rest(&w->out, ns / 1000000, &w->req, fetched);
		mdx_buf_addstr(&w->out, ",\"data\":");
		extract_add_raw(&w->out, c);
		mdx_buf_addstr(&w->out, "}\n");
		w->rows++;
		s->last_id = id;
		last_ns = ns;
	}
	if (last_ns >= 0)
		s->written = last_ns / 1000000 + 1;
	/* Kraken's cursor when the whole page was taken, else the time of
	 * the last trade written. */
	if (!stop && (cur = mdx_kraken_trades_cursor(root)) != NULL &&
	    strspn(cur->text, "0123456789") == cur->len) {
		memcpy(s->cursor, cur->text, cur->len);
		s->cursor[cur->len] = '\0';
	} else if (last_ns >= 0)
		snprintf(s->cursor, sizeof(s->cursor), "%lld",
		    (long long)last_ns);
	return stop || rows->nchild < MDX_KRAKEN_TRADES_PAGE;
}

/* Returns 1 when the instruments are complete, 0 when a next page is to
 * be fetched. */
static int
take_instruments(struct window *w, const struct mdx_json *root,
    const struct mdx_json *list)
{
	struct series *s = w->s;
	const struct mdx_json *c, *sym, *cur;
	char fetched[MDX_TIME_BUFSZ];
	struct mdx_buf b = MDX_BUF_INIT;
	unsigned i;

	extract_fmt_time(w->req.fetched_at, fetched);
	for (i = 0, c = list->child; c != NULL; c = c->next, i++) {
		if ((sym = mdx_instrument_symbol(s->m, c)) == NULL) {
			bad_row(w, "instrument without a symbol", i);
			continue;
		}
		/* A watchlist entry names its one symbol; -s names several. */
		if (s->symbol != NULL ? !mdx_json_str_eq(sym, s->symbol) :
		    !wanted(sym, extract_inst_seen))
			continue;
		record_start(&w->out, s, sym->text, sym->len,
		    MDX_KIND_INSTRUMENTS);
		record_rest(&w->out, w->req.fetched_at, &w->req, fetched);
		mdx_buf_addstr(&w->out, ",\"data\":");
		extract_add_raw(&w->out, c);
		mdx_buf_addstr(&w->out, "}\n");
		w->rows++;
	}
	if ((cur = mdx_instruments_cursor(s->m, root)) == NULL)
		return 1;
	free(w->cursor);
	w->cursor = mdx_strdup(mdx_json_str(cur, &b));
	mdx_buf_free(&b);
	return 0;
}

/* An answer came for window w: check it and take its data. */
static void
answer(struct window *w)
{
	struct series *s = w->s;
	const struct mdx_json *root, *payload;
	char why[400];
	enum mdx_answer a;
	int status, complete = 1;

	if (s->failed || s->stopped) {
		/* Nothing after a failure or a forming candle is written. */
		w->done = 1;
		return;
	}
	if (!w->req.ok) {
		window_fail(w, w->req.status, w->req.why);
		return;
	}
	root = mdx_json_parse(extract_doc, w->req.body.data, w->req.body.len);
	a = mdx_answer_check(s->m, s->kind, w->req.http, root, &payload,
	    &status, why, sizeof(why));
	if (root == NULL)
		snprintf(why, sizeof(why), "invalid JSON: %s",
		    mdx_json_error(extract_doc));
	switch (a) {
	case MDX_ANSWER_OK:
		break;
	case MDX_ANSWER_BAD:
	case MDX_ANSWER_TRANSIENT:
	case MDX_ANSWER_LIMITED:
		if (mdx_fetch_retry(fetcher, &w->req, why,
		    a == MDX_ANSWER_LIMITED) == -1)
			window_fail(w, w->req.status, w->req.why);
		return;
	case MDX_ANSWER_ERROR: {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s (%s)", why, w->req.what.data);
		window_fail(w, status, msg);
		return;
	}
	}
	switch (s->kind) {
	case MDX_KIND_DEPTH:
		take_depth(w, payload);
		break;
	case MDX_KIND_TRADES:
		complete = take_trades(w, root, payload);
		/* Each page is written, and the state saved, as it comes. */
		mdx_write(mdx_stdout(), w->out.data, w->out.len);
		s->rows += w->rows;
		total_rows += w->rows;
		w->rows = 0;
		mdx_buf_reset(&w->out);
		if (s->save_state) {
			mdx_writer_flush(mdx_stdout());
			extract_state_write(s);
		}
		break;
	case MDX_KIND_INSTRUMENTS:
		complete = take_instruments(w, root, payload);
		break;
	default:
		complete = take_rows(w, payload);
		break;
	}
	if (!complete) {
		if (s->kind == MDX_KIND_INSTRUMENTS) {
			/* Write this page now; the next one follows it. */
			mdx_write(mdx_stdout(), w->out.data, w->out.len);
			s->rows += w->rows;
			total_rows += w->rows;
			w->rows = 0;
			mdx_buf_reset(&w->out);
		}
		submit(w);
		return;
	}
	w->done = 1;
}

/* ------------------------------------------------------------------------
 * Output and progress.
 */
static void
summary(const struct series *s)
{
	char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];
	double secs;

	if (mdx_verbose < 1 || mdx_stderr_is_tty())
		return;
	secs = (extract_real_ms() - s->started) / 1000.0;
	if (!mdx_kind_ranged(s->kind)) {
		fprintf(stderr, "%s: %s %s %s %s: %lu records, %lu requests, "
		    "%.1f s%s\n", mdx_progname, s->m->exchange, s->m->market,
		    mdx_kind_name(s->kind), s->symbol ? s->symbol : "(all)",
		    s->rows, s->requests, secs, s->failed ? ", FAILED" : "");
		return;
	}
	extract_fmt_time(s->lo, a);
	extract_fmt_time(s->written, b);
	fprintf(stderr, "%s: %s %s %s %s: %lu %s from %s to %s, %lu "
	    "requests, %lu rejected, %.1f s%s\n", mdx_progname,
	    s->m->exchange, s->m->market, s->symbol,
	    s->kind == MDX_KIND_FUNDING ? "funding" : s->iv->code, s->rows,
	    s->kind == MDX_KIND_KLINES ? "candles" : mdx_kind_name(s->kind),
	    a, b, s->requests, s->rejected, secs,
	    s->failed ? ", FAILED" : "");
}

static void
progress(int last)
{
	static mdx_time shown, begun;
	struct series *s;
	const struct series *cur = NULL;
	double all = 0, done = 0, frac, eta;
	char t[MDX_TIME_BUFSZ];
	mdx_time now = extract_real_ms();

	if (mdx_verbose < 1 || !mdx_stderr_is_tty())
		return;
	if (begun == 0)
		begun = now;
	if (!last && now - shown < 250)
		return;
	shown = now;
	for (s = extract_series_head; s != NULL; s = s->next) {
		if (!mdx_kind_ranged(s->kind) || s->hi <= s->lo) {
			all += 1;
			done += s->finished;
			continue;
		}
		all += 1;
		done += (double)(s->written - s->lo) / (double)(s->hi - s->lo);
		if (!s->finished && cur == NULL && s->head != NULL)
			cur = s;
	}
	frac = all > 0 ? done / all : 1;
	eta = frac > 0.001 ? (now - begun) / 1000.0 * (1 - frac) / frac : 0;
	if (cur != NULL) {
		extract_fmt_time(cur->written, t);
		fprintf(stderr, "\r%s: %s %s at %s, %d/%d series, %lu rows, "
		    "%.0f%%, ETA %.0f s   ", mdx_progname, cur->symbol,
		    cur->iv->code, t, extract_nfinished, extract_nseries,
		    total_rows, frac * 100, eta);
	} else
		fprintf(stderr, "\r%s: %d/%d series, %lu rows, %.0f%%   ",
		    mdx_progname, extract_nfinished, extract_nseries,
		    total_rows, frac * 100);
	if (last)
		fputc('\n', stderr);
	mdx_progress_line(!last);
}

/* Whether every window of s has been planned. */
static int
planned_all(const struct series *s)
{
	if (s->failed || s->stopped)
		return 1;
	return mdx_kind_ranged(s->kind) ? s->plan >= s->hi : s->plan != 0;
}

/*
 * Writes every finished window at the head of s, in order, and advances
 * the state past each once it is on its way out.  After a failed window
 * nothing more of the series is written.
 */
static void
emit(struct series *s)
{
	struct window *w;

	while ((w = s->head) != NULL && w->done) {
		s->head = w->next;
		if (s->head == NULL)
			s->tail = NULL;
		s->inflight--;
		if (w->failed)
			s->failed = 1;
		if (!s->failed && !s->stopped) {
			mdx_write(mdx_stdout(), w->out.data, w->out.len);
			s->rows += w->rows;
			total_rows += w->rows;
			if (mdx_kind_ranged(s->kind)) {
				s->written = w->stop_at != INT64_MIN ?
				    w->stop_at : w->hi;
				/* The forming candle is written, not passed. */
				if (s->written > mdx_interval_floor(s->iv,
				    extract_now_ms))
					s->written = mdx_interval_floor(s->iv,
					    extract_now_ms);
				if (s->save_state) {
					mdx_writer_flush(mdx_stdout());
					extract_state_write(s);
				}
				if (w->stop_at != INT64_MIN)
					s->stopped = 1;
			}
		}
		s->rejected += w->rejected;
		window_free(w);
	}
	if (!s->finished && s->head == NULL && planned_all(s)) {
		s->finished = 1;
		extract_nfinished++;
		summary(s);
	}
}

/* ------------------------------------------------------------------------
 * The fetch loop.
 */
void
extract_run_rest(void)
{
	struct mdx_fetch_req *r;
	struct series *s;
	struct window *w;
	int ahead, progressed, out[MDX_NEXCHANGE];

	fetcher = mdx_fetch_new(&opt.fo);
	if (opt.weight_limit > 0) {
		const struct mdx_market *m;

		for (m = mdx_markets; m->exchange != NULL; m++)
			if (m->id == MDX_BINANCE)
				mdx_fetch_set_limit(fetcher, m->rl_klines,
				    opt.weight_limit);
	}
	for (s = extract_series_head; s != NULL; s = s->next) {
		s->started = extract_real_ms();
		if (!s->finished && mdx_kind_ranged(s->kind) &&
		    s->plan >= s->hi)
			emit(s);
	}
	/*
	 * Enough windows under way per exchange to keep its connections
	 * busy, and none of them far ahead of what is written.  Each pass
	 * gives every series at most one more window, so series share the
	 * connections, and one slow exchange holds back no other.
	 */
	ahead = opt.fo.connections * 2;
	for (;;) {
		memset(out, 0, sizeof(out));
		for (s = extract_series_head; s != NULL; s = s->next)
			out[s->m->id] += s->inflight;
		do {
			progressed = 0;
			for (s = extract_series_head; s != NULL; s = s->next)
				if (out[s->m->id] < ahead && plan_next(s)) {
					out[s->m->id]++;
					progressed = 1;
				}
		} while (progressed);
		if (extract_nfinished >= extract_nseries &&
		    mdx_fetch_outstanding(fetcher) == 0)
			break;
		r = mdx_fetch_wait(fetcher, 250);
		progress(0);
		if (r == NULL)
			continue;
		w = r->udata;
		answer(w);
		if (w->done)
			emit(w->s);
	}
	progress(1);
	mdx_writer_flush(mdx_stdout());
	if (opt.kind == MDX_KIND_INSTRUMENTS && extract_inst_seen != NULL) {
		int i;

		for (i = 0; i < opt.nsymbols; i++)
			if (!extract_inst_seen[i]) {
				mdx_warn("unknown symbol '%s': not among the "
				    "instruments of %s %s", opt.symbols[i],
				    opt.exchange, opt.market);
				extract_fail(MDX_EX_USAGE);
			}
	}
	mdx_fetch_free(fetcher);
}
