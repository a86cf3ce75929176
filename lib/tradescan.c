/*
 * tradescan.c - the canonical trade record read line by line, for
 * mdx-aggregate --from-trades and mdx-load (trade.h has the rules).
 *
 * The lines mdx-transform writes have their members in one order and no
 * spaces, and a stream of them repeats the same names, minute and fetch
 * time line after line.  The fast scanner reads exactly that form and
 * remembers what repeats; a line it does not recognise is read again by
 * the JSON parser, which accepts every valid form and words the reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "candle.h"
#include "trade.h"

#define HEAD_MAX 256

struct mdx_trade_scan {
	/* The line before, up to the id's value: the names it holds. */
	char head[HEAD_MAX];
	size_t nhead;
	size_t exo, exn, mko, mkn, syo, syn;
	unsigned long gen;		/* changes with the names held */
	/* The minute of the time before ("2024-01-01T00:00") and its
	 * start. */
	char minute[16];
	int hasminute;
	mdx_time minstart;
	/* The fetched_at text before and its value. */
	char fetched[40];
	size_t nfetched;
	mdx_time fetched_at;
	/* The general path. */
	struct mdx_json_doc *doc;
	struct mdx_buf ex, mk, sym, id;
};

struct mdx_trade_scan *
mdx_trade_scan_new(void)
{
	struct mdx_trade_scan *sc;

	sc = mdx_calloc(1, sizeof(*sc));
	sc->doc = mdx_json_doc_new();
	return sc;
}

void
mdx_trade_scan_free(struct mdx_trade_scan *sc)
{
	if (sc == NULL)
		return;
	mdx_json_doc_free(sc->doc);
	mdx_buf_free(&sc->ex);
	mdx_buf_free(&sc->mk);
	mdx_buf_free(&sc->sym);
	mdx_buf_free(&sc->id);
	free(sc);
}

#define DIGIT(c) ((unsigned)((c) - '0') < 10)

/*
 * A trade time "YYYY-MM-DDTHH:MM:SS", then ".fff" or ".ffffff" or
 * nothing, then "Z", in p[0..n): into ms and the microseconds within.
 * The minute is remembered in sc, so that the next time of the same
 * minute costs a comparison.  Returns 0 or -1.
 */
static int
trade_time(struct mdx_trade_scan *sc, const char *p, size_t n, mdx_time *ms,
    int *usec)
{
	char tb[24];
	mdx_time t;
	int sec, frac = 0, i;

	if (n != 20 && n != 24 && n != 27)
		return -1;
	if (p[n - 1] != 'Z' || p[16] != ':' || !DIGIT(p[17]) ||
	    !DIGIT(p[18]) || (sec = (p[17] - '0') * 10 + p[18] - '0') > 59)
		return -1;
	if (n > 20) {
		if (p[19] != '.')
			return -1;
		for (i = 20; i < (int)n - 1; i++) {
			if (!DIGIT(p[i]))
				return -1;
			frac = frac * 10 + p[i] - '0';
		}
		if (n == 24)
			frac *= 1000;
	}
	if (!sc->hasminute || memcmp(p, sc->minute, 16) != 0) {
		memcpy(tb, p, 16);
		memcpy(tb + 16, ":00Z", 4);
		for (i = 0; i < 16; i++)
			if (i != 4 && i != 7 && i != 10 && i != 13 &&
			    !DIGIT(p[i]))
				return -1;
		if (mdx_time_parse_rfc3339(tb, 20, &t) != 0)
			return -1;
		memcpy(sc->minute, p, 16);
		sc->minstart = t;
		sc->hasminute = 1;
	}
	t = sc->minstart + sec * 1000 + frac / 1000;
	if (!MDX_TIME_STORABLE(t))
		return -1;
	*ms = t;
	*usec = frac % 1000;
	return 0;
}

/*
 * A time string value at p and its closing quote, by the lengths the
 * three forms have (no scan for the quote); the end past the quote, or
 * NULL.
 */
static const char *
time_at(struct mdx_trade_scan *sc, const char *p, const char *e,
    mdx_time *ms, int *usec)
{
	size_t n;

	if (e - p < 21)
		return NULL;
	if (p[19] == 'Z')
		n = 20;
	else if (p[19] == '.' && e - p >= 25 && p[23] == 'Z')
		n = 24;
	else if (p[19] == '.' && e - p >= 28 && p[26] == 'Z')
		n = 27;
	else
		return NULL;
	if (p[n] != '"' || trade_time(sc, p, n, ms, usec) != 0)
		return NULL;
	return p + n + 1;
}

/* fetched_at p[0..n), remembered in sc; 0 or -1. */
static int
fetched_time(struct mdx_trade_scan *sc, const char *p, size_t n, mdx_time *t)
{
	if (n == sc->nfetched && memcmp(p, sc->fetched, n) == 0) {
		*t = sc->fetched_at;
		return 0;
	}
	if (mdx_time_parse_rfc3339(p, n, t) != 0 || !MDX_TIME_STORABLE(*t))
		return -1;
	if (n <= sizeof(sc->fetched)) {
		memcpy(sc->fetched, p, n);
		sc->nfetched = n;
		sc->fetched_at = *t;
	}
	return 0;
}

/* The rules no parse checks; 0, or -1 with the reason in why. */
static int
trade_check(const struct mdx_trade_rec *t, char *why, size_t whysz)
{
	if (t->price.coef <= 0)
		return mdx_errf(why, whysz, "\"price\" is not above zero");
	if (t->quantity.coef <= 0)
		return mdx_errf(why, whysz, "\"quantity\" is not above zero");
	if (t->has_quote && t->quote_quantity.coef < 0)
		return mdx_errf(why, whysz, "\"quote_quantity\" is negative");
	if (t->has_ids && (t->first_id < 0 || t->first_id > t->last_id))
		return mdx_errf(why, whysz,
		    "\"first_id\" is negative or above \"last_id\"");
	return 0;
}

#define WANT(lit) do {							\
	if ((size_t)(e - p) < sizeof(lit) - 1 ||			\
	    memcmp(p, lit, sizeof(lit) - 1) != 0)			\
		return -1;						\
	p += sizeof(lit) - 1;						\
} while (0)
#define TAKE(lit) ((size_t)(e - p) >= sizeof(lit) - 1 &&		\
	memcmp(p, lit, sizeof(lit) - 1) == 0 ? (p += sizeof(lit) - 1, 1) : 0)

/*
 * A plain string value at p (no escape or control byte) up to its closing
 * quote; returns the quote, or NULL.  The line ends in a NUL (the reader's
 * promise), a control byte, so the loop needs no bounds check.
 */
static const char *
plain_end(const char *p, const char *e)
{
	while ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
		p++;
	return p < e && *p == '"' ? p : NULL;
}

/* A decimal string value at p and its closing quote; the end past the
 * quote, or NULL. */
static const char *
fast_dec(const char *s, const char *p, const char *e, mdx_dec *d)
{
	const char *q, *r;

	if ((r = mdx_scan_dec(s, p, e, d)) != NULL)
		return r;
	if ((q = plain_end(p, e)) == NULL ||
	    mdx_dec_parse(d, p, (size_t)(q - p)) != MDX_DEC_OK)
		return NULL;
	return q + 1;
}

/* An integer member value at p (no sign, no leading zero, at most 18
 * digits); the end, or NULL.  The NUL at the end of the line stops it. */
static const char *
fast_int(const char *p, int64_t *v)
{
	const char *q = p;
	int64_t x = 0;

	while (DIGIT(*p))
		x = x * 10 + (*p++ - '0');
	if (p == q || p - q > 18 || (*q == '0' && p - q > 1))
		return NULL;
	*v = x;
	return p;
}

/* Reads the line in the form mdx-transform writes; -1 for anything
 * else. */
static int
fast_scan(struct mdx_trade_scan *sc, struct mdx_trade_rec *t, const char *s,
    size_t n)
{
	const char *p = s, *e = s + n, *q;

	if (sc->nhead != 0 && n > sc->nhead &&
	    memcmp(s, sc->head, sc->nhead) == 0) {
		t->exchange = s + sc->exo;
		t->exchange_len = sc->exn;
		t->market = s + sc->mko;
		t->market_len = sc->mkn;
		t->symbol = s + sc->syo;
		t->symbol_len = sc->syn;
		t->names_gen = sc->gen;
		p += sc->nhead;
		goto id;
	}
	t->names_gen = 0;
	WANT("{\"kind\":\"trade\",\"exchange\":\"");
	if ((q = plain_end(p, e)) == NULL || q == p)
		return -1;
	t->exchange = p;
	t->exchange_len = (size_t)(q - p);
	p = q + 1;
	WANT(",\"market\":\"");
	if ((q = plain_end(p, e)) == NULL || q == p)
		return -1;
	t->market = p;
	t->market_len = (size_t)(q - p);
	p = q + 1;
	WANT(",\"symbol\":\"");
	if ((q = plain_end(p, e)) == NULL || q == p)
		return -1;
	t->symbol = p;
	t->symbol_len = (size_t)(q - p);
	p = q + 1;
	WANT(",\"id\":\"");
	sc->nhead = 0;
	if ((size_t)(p - s) <= sizeof(sc->head)) {
		memcpy(sc->head, s, (size_t)(p - s));
		sc->nhead = (size_t)(p - s);
		sc->exo = (size_t)(t->exchange - s);
		sc->exn = t->exchange_len;
		sc->mko = (size_t)(t->market - s);
		sc->mkn = t->market_len;
		sc->syo = (size_t)(t->symbol - s);
		sc->syn = t->symbol_len;
		t->names_gen = ++sc->gen;
	}
id:
	if ((q = plain_end(p, e)) == NULL || q == p)
		return -1;
	t->id = p;
	t->id_len = (size_t)(q - p);
	p = q + 1;
	t->has_ids = 0;
	if (TAKE(",\"first_id\":")) {
		if ((p = fast_int(p, &t->first_id)) == NULL)
			return -1;
		WANT(",\"last_id\":");
		if ((p = fast_int(p, &t->last_id)) == NULL)
			return -1;
		t->has_ids = 1;
	}
	WANT(",\"time\":\"");
	if ((p = time_at(sc, p, e, &t->time, &t->usec)) == NULL)
		return -1;
	WANT(",\"price\":\"");
	if ((p = fast_dec(s, p, e, &t->price)) == NULL)
		return -1;
	WANT(",\"quantity\":\"");
	if ((p = fast_dec(s, p, e, &t->quantity)) == NULL)
		return -1;
	t->has_quote = 1;
	if (TAKE(",\"quote_quantity\":null"))
		t->has_quote = 0;
	else {
		WANT(",\"quote_quantity\":\"");
		if ((p = fast_dec(s, p, e, &t->quote_quantity)) == NULL)
			return -1;
	}
	if (TAKE(",\"side\":\"buy\""))
		t->buy = 1;
	else {
		WANT(",\"side\":\"sell\"");
		t->buy = 0;
	}
	t->archive = 0;
	if (!TAKE(",\"origin\":\"exchange\"")) {
		WANT(",\"origin\":\"archive\"");
		t->archive = 1;
	}
	t->has_fetched_at = 0;
	if (TAKE(",\"fetched_at\":\"")) {
		/* The fetch time of the line before, without a scan. */
		if (sc->nfetched != 0 && (size_t)(e - p) > sc->nfetched &&
		    p[sc->nfetched] == '"' &&
		    memcmp(p, sc->fetched, sc->nfetched) == 0)
			q = p + sc->nfetched;
		else if ((q = plain_end(p, e)) == NULL)
			return -1;
		if (fetched_time(sc, p, (size_t)(q - p), &t->fetched_at) != 0)
			return -1;
		t->has_fetched_at = 1;
		p = q + 1;
	}
	WANT("}");
	return p == e ? 0 : -1;
}

/* A string member into buf, escapes undone; its text, or NULL. */
static const char *
json_name(const struct mdx_json *obj, const char *key, struct mdx_buf *buf,
    size_t *len)
{
	const struct mdx_json *v;
	const char *s;

	if ((v = mdx_json_get(obj, key)) == NULL ||
	    v->type != MDX_JSON_STRING || (s = mdx_json_str(v, buf)) == NULL ||
	    buf->len == 0 || memchr(s, '\0', buf->len) != NULL)
		return NULL;
	*len = buf->len;
	return s;
}

/* A decimal member that is a JSON string. */
static int
json_dec(const struct mdx_json *obj, const char *key, mdx_dec *d, char *why,
    size_t whysz)
{
	const struct mdx_json *v;

	v = mdx_json_get(obj, key);
	if (v == NULL || v->type != MDX_JSON_STRING || v->escaped ||
	    mdx_dec_parse(d, v->text, v->len) != MDX_DEC_OK)
		return mdx_errf(why, whysz, "bad or missing \"%s\": not a "
		    "decimal string", key);
	return 0;
}

/* Reads any valid form of the record, wording what is wrong. */
static int
slow_scan(struct mdx_trade_scan *sc, struct mdx_trade_rec *t, const char *s,
    size_t n, char *why, size_t whysz)
{
	const struct mdx_json *obj, *v, *w;
	struct mdx_buf tmp = MDX_BUF_INIT;
	const char *x;
	int rc;

	t->names_gen = 0;
	if ((obj = mdx_json_parse(sc->doc, s, n)) == NULL)
		return mdx_errf(why, whysz, "%s", mdx_json_error(sc->doc));
	if (obj->type != MDX_JSON_OBJECT)
		return mdx_errf(why, whysz, "not a JSON object");
	if ((v = mdx_json_get(obj, "kind")) == NULL ||
	    !mdx_json_str_eq(v, "trade"))
		return mdx_errf(why, whysz, "\"kind\" is not \"trade\"");
	if ((t->exchange = json_name(obj, "exchange", &sc->ex,
	    &t->exchange_len)) == NULL)
		return mdx_errf(why, whysz, "bad or missing \"exchange\"");
	if ((t->market = json_name(obj, "market", &sc->mk,
	    &t->market_len)) == NULL)
		return mdx_errf(why, whysz, "bad or missing \"market\"");
	if ((t->symbol = json_name(obj, "symbol", &sc->sym,
	    &t->symbol_len)) == NULL || t->symbol_len >= MDX_SYMBOL_MAX)
		return mdx_errf(why, whysz, "bad or missing \"symbol\"");
	if ((t->id = json_name(obj, "id", &sc->id, &t->id_len)) == NULL)
		return mdx_errf(why, whysz, "bad or missing \"id\": not a "
		    "non-empty string");
	v = mdx_json_get(obj, "first_id");
	w = mdx_json_get(obj, "last_id");
	t->has_ids = 0;
	if (v != NULL || w != NULL) {
		if (v == NULL || w == NULL || v->type != MDX_JSON_NUMBER ||
		    w->type != MDX_JSON_NUMBER ||
		    mdx_json_int(v, &t->first_id) != 0 ||
		    mdx_json_int(w, &t->last_id) != 0)
			return mdx_errf(why, whysz, "bad \"first_id\" or "
			    "\"last_id\": not both integers");
		t->has_ids = 1;
	}
	if ((v = mdx_json_get(obj, "time")) == NULL ||
	    v->type != MDX_JSON_STRING || v->escaped ||
	    trade_time(sc, v->text, v->len, &t->time, &t->usec) != 0)
		return mdx_errf(why, whysz, "bad or missing \"time\": not "
		    "YYYY-MM-DDTHH:MM:SS[.fff[fff]]Z in 1970-9999");
	if (json_dec(obj, "price", &t->price, why, whysz) != 0 ||
	    json_dec(obj, "quantity", &t->quantity, why, whysz) != 0)
		return -1;
	t->has_quote = 0;
	if ((v = mdx_json_get(obj, "quote_quantity")) == NULL ||
	    v->type != MDX_JSON_NULL) {
		if (json_dec(obj, "quote_quantity", &t->quote_quantity, why,
		    whysz) != 0)
			return -1;
		t->has_quote = 1;
	}
	v = mdx_json_get(obj, "side");
	if (v != NULL && mdx_json_str_eq(v, "buy"))
		t->buy = 1;
	else if (v != NULL && mdx_json_str_eq(v, "sell"))
		t->buy = 0;
	else
		return mdx_errf(why, whysz, "bad or missing \"side\": not "
		    "buy or sell");
	v = mdx_json_get(obj, "origin");
	t->archive = v != NULL && mdx_json_str_eq(v, "archive");
	if (v == NULL || (!mdx_json_str_eq(v, "exchange") && !t->archive))
		return mdx_errf(why, whysz, "bad or missing \"origin\": not "
		    "exchange or archive");
	t->has_fetched_at = 0;
	if ((v = mdx_json_get(obj, "fetched_at")) != NULL &&
	    v->type != MDX_JSON_NULL) {
		rc = -1;
		if (v->type == MDX_JSON_STRING &&
		    (x = mdx_json_str(v, &tmp)) != NULL)
			rc = fetched_time(sc, x, tmp.len, &t->fetched_at);
		mdx_buf_free(&tmp);
		if (rc != 0)
			return mdx_errf(why, whysz, "bad \"fetched_at\": not "
			    "an RFC 3339 time in 1970-9999");
		t->has_fetched_at = 1;
	}
	return 0;
}

int
mdx_trade_scan(struct mdx_trade_scan *sc, struct mdx_trade_rec *t,
    const char *line, size_t len, char *why, size_t whysz)
{
	if (fast_scan(sc, t, line, len) != 0) {
		sc->nhead = 0;
		if (slow_scan(sc, t, line, len, why, whysz) != 0)
			return -1;
	}
	return trade_check(t, why, whysz);
}
