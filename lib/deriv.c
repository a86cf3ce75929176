/*
 * deriv.c - funding events and open-interest samples: parse and check
 * (deriv.h).
 */
#include <string.h>

#include "err.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "candle.h"
#include "deriv.h"

/* The members both records share: the names, the times and the origin. */
static int
common(const struct mdx_json *obj, const char *kind, char *ex, char *mk,
    char *sym, mdx_time *t, enum mdx_origin *origin, mdx_time *fetched,
    int *has_fetched, char *err, size_t errsz)
{
	const struct mdx_json *v;
	int o;

	if (obj == NULL || obj->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "not a JSON object");
	if (!mdx_json_str_eq(mdx_json_get(obj, "kind"), kind))
		return mdx_errf(err, errsz, "bad \"kind\": not \"%s\"", kind);
	if (mdx_record_names(obj, ex, mk, sym, err, errsz) != 0)
		return -1;
	v = mdx_json_get(obj, "time");
	if (v == NULL || v->type != MDX_JSON_STRING || v->escaped ||
	    mdx_time_parse_rfc3339(v->text, v->len, t) != 0)
		return mdx_errf(err, errsz, "bad or missing \"time\": not an "
		    "RFC 3339 time");
	if (!MDX_TIME_STORABLE(*t))
		return mdx_errf(err, errsz, "time out of range (years 1970 "
		    "to 9999)");
	*has_fetched = 0;
	v = mdx_json_get(obj, "fetched_at");
	if (v != NULL && v->type != MDX_JSON_NULL) {
		if (v->type != MDX_JSON_STRING || v->escaped ||
		    mdx_time_parse_rfc3339(v->text, v->len, fetched) != 0)
			return mdx_errf(err, errsz, "bad \"fetched_at\": not "
			    "an RFC 3339 time");
		if (!MDX_TIME_STORABLE(*fetched))
			return mdx_errf(err, errsz, "fetched_at out of range "
			    "(years 1970 to 9999)");
		*has_fetched = 1;
	}
	v = mdx_json_get(obj, "origin");
	if (v == NULL || v->type != MDX_JSON_STRING || v->escaped ||
	    ((o = mdx_origin_parse(v->text, v->len)) != MDX_ORIGIN_EXCHANGE &&
	    o != MDX_ORIGIN_ARCHIVE))
		return mdx_errf(err, errsz, "bad or missing \"origin\": not "
		    "exchange or archive");
	*origin = (enum mdx_origin)o;
	return 0;
}

/* A fixed interval code (months have no fixed length to count by). */
static int
fixed_interval(const struct mdx_json *v, const struct mdx_interval **iv)
{
	char code[8];

	if (mdx_json_strcpy(v, code, sizeof(code)) != 0 ||
	    (*iv = mdx_interval_lookup(code)) == NULL || (*iv)->ms <= 0)
		return -1;
	return 0;
}

/*
 * A decimal string member into d: sign is the least sign allowed (-2 any,
 * 0 zero or more, 1 more than zero).  Returns 0, 1 when the member is
 * absent or null and nullable, or -1 with the reason in err.
 */
static int
dec_member(const struct mdx_json *obj, const char *name, int nullable,
    int sign, mdx_dec *d, char *err, size_t errsz)
{
	const struct mdx_json *v;
	int e;

	v = mdx_json_get(obj, name);
	if (v == NULL || v->type == MDX_JSON_NULL) {
		if (nullable)
			return 1;
		return mdx_errf(err, errsz, "missing \"%s\"", name);
	}
	if (v->type != MDX_JSON_STRING)
		return mdx_errf(err, errsz, "bad \"%s\": not a decimal string",
		    name);
	if ((e = mdx_dec_from_json(d, v)) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad \"%s\": %s", name,
		    mdx_dec_strerror(e));
	if (mdx_dec_sign(d) < sign)
		return mdx_errf(err, errsz, "bad \"%s\": %s", name,
		    sign > 0 ? "not greater than zero" : "negative");
	return 0;
}

int
mdx_funding_from_json(struct mdx_funding *f, const struct mdx_json *obj,
    char *err, size_t errsz)
{
	const struct mdx_json *v;
	int r;

	memset(f, 0, sizeof(*f));
	if (common(obj, "funding", f->exchange, f->market, f->symbol, &f->time,
	    &f->origin, &f->fetched_at, &f->has_fetched_at, err, errsz) != 0)
		return -1;
	if (dec_member(obj, "rate", 0, -2, &f->rate, err, errsz) != 0)
		return -1;
	v = mdx_json_get(obj, "interval");
	if (v != NULL && v->type != MDX_JSON_NULL &&
	    fixed_interval(v, &f->interval) != 0)
		return mdx_errf(err, errsz, "bad \"interval\": not a known "
		    "interval of fixed length");
	if ((r = dec_member(obj, "mark_price", 1, 1, &f->mark_price, err,
	    errsz)) < 0)
		return -1;
	f->has_mark_price = r == 0;
	return 0;
}

int
mdx_oi_from_json(struct mdx_oi *o, const struct mdx_json *obj, char *err,
    size_t errsz)
{
	int r;

	memset(o, 0, sizeof(*o));
	if (common(obj, "open_interest", o->exchange, o->market, o->symbol,
	    &o->time, &o->origin, &o->fetched_at, &o->has_fetched_at, err,
	    errsz) != 0)
		return -1;
	if (fixed_interval(mdx_json_get(obj, "period"), &o->period) != 0)
		return mdx_errf(err, errsz, "bad or missing \"period\": not a "
		    "known interval of fixed length");
	if (dec_member(obj, "open_interest", 0, 0, &o->open_interest, err,
	    errsz) != 0)
		return -1;
	if ((r = dec_member(obj, "open_interest_value", 1, 0, &o->value, err,
	    errsz)) < 0)
		return -1;
	o->has_value = r == 0;
	return 0;
}
