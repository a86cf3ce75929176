/*
 * deriv.c - funding events and open-interest samples: parse, check and
 * print the canonical records (deriv.h).
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "watch.h"
#include "candle.h"
#include "deriv.h"

/* The identity members, common to both records. */
static int
names(const struct mdx_json *obj, const char *kind, char *ex, char *mk,
    char *sym, char *err, size_t errsz)
{
	if (!mdx_json_str_eq(mdx_json_get(obj, "kind"), kind))
		return mdx_errf(err, errsz, "bad \"kind\": not \"%s\"", kind);
	return mdx_record_names(obj, ex, mk, sym, err, errsz);
}

/* A required decimal member. */
static int
dec_member(const struct mdx_json *obj, const char *key, mdx_dec *d,
    char *err, size_t errsz)
{
	const struct mdx_json *v = mdx_json_get(obj, key);
	int e;

	if (v == NULL)
		return mdx_errf(err, errsz, "no \"%s\"", key);
	if (v->type != MDX_JSON_STRING)
		return mdx_errf(err, errsz, "bad \"%s\": not a decimal "
		    "string", key);
	if ((e = mdx_dec_from_json(d, v)) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad \"%s\": %s", key,
		    mdx_dec_strerror(e));
	return 0;
}

/* A decimal member that may be null or absent: 1 present, 0 not. */
static int
opt_dec_member(const struct mdx_json *obj, const char *key, mdx_dec *d,
    int *has, char *err, size_t errsz)
{
	const struct mdx_json *v = mdx_json_get(obj, key);

	*has = 0;
	if (v == NULL || v->type == MDX_JSON_NULL)
		return 0;
	if (dec_member(obj, key, d, err, errsz) != 0)
		return -1;
	*has = 1;
	return 0;
}

static int
time_member(const struct mdx_json *obj, const char *key, mdx_time *t,
    int optional, int *has, char *err, size_t errsz)
{
	const struct mdx_json *v = mdx_json_get(obj, key);

	if (has != NULL)
		*has = 0;
	if (v == NULL || v->type == MDX_JSON_NULL) {
		if (optional)
			return 0;
		return mdx_errf(err, errsz, "no \"%s\"", key);
	}
	if (v->type != MDX_JSON_STRING || v->escaped ||
	    mdx_time_parse_rfc3339(v->text, v->len, t) != 0)
		return mdx_errf(err, errsz, "bad \"%s\": not an RFC 3339 time",
		    key);
	if (has != NULL)
		*has = 1;
	return 0;
}

/* An interval member: a known code, or null when may_be_null. */
static int
interval_member(const struct mdx_json *obj, const char *key,
    const struct mdx_interval **iv, int may_be_null, char *err, size_t errsz)
{
	const struct mdx_json *v = mdx_json_get(obj, key);
	char code[8];

	*iv = NULL;
	if (may_be_null && (v == NULL || v->type == MDX_JSON_NULL))
		return 0;
	if (v == NULL || mdx_json_strcpy(v, code, sizeof(code)) != 0 ||
	    (*iv = mdx_interval_lookup(code)) == NULL)
		return mdx_errf(err, errsz, "bad \"%s\": not a known interval",
		    key);
	return 0;
}

static int
origin_member(const struct mdx_json *obj, enum mdx_origin *o, char *err,
    size_t errsz)
{
	const struct mdx_json *v = mdx_json_get(obj, "origin");
	int n;

	if (v == NULL || v->type != MDX_JSON_STRING ||
	    (n = mdx_origin_parse(v->text, v->len)) < 0)
		return mdx_errf(err, errsz, "bad \"origin\"");
	*o = (enum mdx_origin)n;
	return 0;
}

/* The checks both records share. */
static int
common_check(const char *ex, const char *mk, mdx_time t, enum mdx_origin o,
    int has_fetched, mdx_time fetched, char *err, size_t errsz)
{
	if (!mdx_market_known(ex, mk))
		return mdx_errf(err, errsz, "unknown exchange and market "
		    "\"%s %s\"", ex, mk);
	if (!MDX_TIME_STORABLE(t))
		return mdx_errf(err, errsz, "time out of range (years 1970 to "
		    "9999)");
	if (has_fetched && !MDX_TIME_STORABLE(fetched))
		return mdx_errf(err, errsz, "fetched_at out of range (years "
		    "1970 to 9999)");
	if (o != MDX_ORIGIN_EXCHANGE && o != MDX_ORIGIN_ARCHIVE)
		return mdx_errf(err, errsz, "origin \"%s\": not exchange or "
		    "archive", mdx_origin_name(o));
	return 0;
}

int
mdx_funding_check(const struct mdx_funding *f, char *err, size_t errsz)
{
	if (common_check(f->exchange, f->market, f->time, f->origin,
	    f->has_fetched_at, f->fetched_at, err, errsz) != 0)
		return -1;
	if (f->has_mark_price && mdx_dec_sign(&f->mark_price) <= 0)
		return mdx_errf(err, errsz, "mark_price not above zero");
	return 0;
}

int
mdx_funding_from_json(struct mdx_funding *f, const struct mdx_json *obj,
    char *err, size_t errsz)
{
	memset(f, 0, sizeof(*f));
	if (obj == NULL || obj->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "not a JSON object");
	if (names(obj, "funding", f->exchange, f->market, f->symbol, err,
	    errsz) != 0 ||
	    time_member(obj, "time", &f->time, 0, NULL, err, errsz) != 0 ||
	    dec_member(obj, "rate", &f->rate, err, errsz) != 0 ||
	    interval_member(obj, "interval", &f->interval, 1, err,
	    errsz) != 0 ||
	    opt_dec_member(obj, "mark_price", &f->mark_price,
	    &f->has_mark_price, err, errsz) != 0 ||
	    origin_member(obj, &f->origin, err, errsz) != 0 ||
	    time_member(obj, "fetched_at", &f->fetched_at, 1,
	    &f->has_fetched_at, err, errsz) != 0)
		return -1;
	return mdx_funding_check(f, err, errsz);
}

/* "exchange", "market", "symbol" and "time" after "kind". */
static void
put_head(struct mdx_buf *b, const char *kind, const char *ex, const char *mk,
    const char *sym, mdx_time t)
{
	char ts[MDX_TIME_BUFSZ];

	mdx_buf_printf(b, "{\"kind\":\"%s\",\"exchange\":", kind);
	mdx_buf_add_json_str(b, ex, strlen(ex));
	mdx_buf_addstr(b, ",\"market\":");
	mdx_buf_add_json_str(b, mk, strlen(mk));
	mdx_buf_addstr(b, ",\"symbol\":");
	mdx_buf_add_json_str(b, sym, strlen(sym));
	mdx_time_format(t, ts);
	mdx_buf_printf(b, ",\"time\":\"%s\"", ts);
}

static void
put_dec(struct mdx_buf *b, const char *key, const mdx_dec *d, int has)
{
	mdx_buf_printf(b, ",\"%s\":", key);
	if (!has) {
		mdx_buf_addstr(b, "null");
		return;
	}
	mdx_buf_addch(b, '"');
	mdx_dec_add_to_buf(b, d);
	mdx_buf_addch(b, '"');
}

static void
put_tail(struct mdx_buf *b, enum mdx_origin o, int has_fetched,
    mdx_time fetched)
{
	char ts[MDX_TIME_BUFSZ];

	mdx_buf_printf(b, ",\"origin\":\"%s\"", mdx_origin_name(o));
	if (has_fetched) {
		mdx_time_format(fetched, ts);
		mdx_buf_printf(b, ",\"fetched_at\":\"%s\"", ts);
	}
	mdx_buf_addch(b, '}');
}

void
mdx_funding_to_json(const struct mdx_funding *f, struct mdx_buf *b)
{
	put_head(b, "funding", f->exchange, f->market, f->symbol, f->time);
	put_dec(b, "rate", &f->rate, 1);
	if (f->interval != NULL)
		mdx_buf_printf(b, ",\"interval\":\"%s\"", f->interval->code);
	else
		mdx_buf_addstr(b, ",\"interval\":null");
	put_dec(b, "mark_price", &f->mark_price, f->has_mark_price);
	put_tail(b, f->origin, f->has_fetched_at, f->fetched_at);
}

int
mdx_oi_check(const struct mdx_oi *s, char *err, size_t errsz)
{
	if (common_check(s->exchange, s->market, s->time, s->origin,
	    s->has_fetched_at, s->fetched_at, err, errsz) != 0)
		return -1;
	if (s->period == NULL)
		return mdx_errf(err, errsz, "no period");
	if (!mdx_interval_aligned(s->period, s->time))
		return mdx_errf(err, errsz, "time not aligned to %s",
		    s->period->code);
	if (mdx_dec_sign(&s->open_interest) < 0)
		return mdx_errf(err, errsz, "negative open_interest");
	if (s->has_value && mdx_dec_sign(&s->value) < 0)
		return mdx_errf(err, errsz, "negative open_interest_value");
	return 0;
}

int
mdx_oi_from_json(struct mdx_oi *s, const struct mdx_json *obj, char *err,
    size_t errsz)
{
	memset(s, 0, sizeof(*s));
	if (obj == NULL || obj->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "not a JSON object");
	if (names(obj, "open_interest", s->exchange, s->market, s->symbol,
	    err, errsz) != 0 ||
	    time_member(obj, "time", &s->time, 0, NULL, err, errsz) != 0 ||
	    interval_member(obj, "period", &s->period, 0, err, errsz) != 0 ||
	    dec_member(obj, "open_interest", &s->open_interest, err,
	    errsz) != 0 ||
	    opt_dec_member(obj, "open_interest_value", &s->value,
	    &s->has_value, err, errsz) != 0 ||
	    origin_member(obj, &s->origin, err, errsz) != 0 ||
	    time_member(obj, "fetched_at", &s->fetched_at, 1,
	    &s->has_fetched_at, err, errsz) != 0)
		return -1;
	return mdx_oi_check(s, err, errsz);
}

void
mdx_oi_to_json(const struct mdx_oi *s, struct mdx_buf *b)
{
	put_head(b, "open_interest", s->exchange, s->market, s->symbol,
	    s->time);
	mdx_buf_printf(b, ",\"period\":\"%s\"", s->period->code);
	put_dec(b, "open_interest", &s->open_interest, 1);
	put_dec(b, "open_interest_value", &s->value, s->has_value);
	put_tail(b, s->origin, s->has_fetched_at, s->fetched_at);
}
