/*
 * trade.c - the canonical trade: checked and written (trade.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "dec.h"
#include "json.h"
#include "utc.h"
#include "trade.h"

#define ID_MAX 80

/* Whether s[0..n) may stand in a JSON string as it is: ASCII without
 * quotes, backslashes and control characters. */
static int
plain(const char *s, size_t n)
{
	return mdx_json_skip_plain(s, s + n) == s + n;
}

/*
 * The common decimal, digits with an optional fraction and at most 19
 * digits in all, into *c and *scale with the trailing fractional zeros
 * dropped; -1 for anything else (mdx_dec then decides).  One pass: this
 * runs twice per trade.
 */
static int
simple(const char *s, size_t n, uint64_t *c, int *scale)
{
	const char *p = s, *e = s + n;
	uint64_t v = 0, vk = 0;
	int sc = -1, sck = 0, nd = 0;

	if (n == 0 || n > 20 || *s == '.' || e[-1] == '.')
		return -1;
	/*
	 * vk and sck: the value and scale up to the last digit that is not
	 * a trailing fractional zero, so no zero is divided away after.
	 */
	for (; p < e; p++) {
		if ((unsigned)(*p - '0') < 10) {
			v = v * 10 + (uint64_t)(*p - '0');
			nd++;
			if (sc < 0 || *p != '0') {
				if (sc >= 0)
					sck = sc + 1;
				vk = v;
			}
			if (sc >= 0)
				sc++;
		} else if (*p == '.' && sc < 0)
			sc = 0;
		else
			return -1;
	}
	if (nd > 19)
		return -1;
	*c = vk;
	*scale = sck;
	return 0;
}

/* Writes v in decimal at o; returns the length. */
static int
utoa(uint64_t v, char *o)
{
	char tmp[24];
	int n = 0, k;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (k = 0; k < n; k++)
		o[k] = tmp[n - 1 - k];
	return n;
}

/*
 * price x quantity, exact, trailing fractional zeros removed, formatted
 * into buf (MDX_DEC_BUFSZ bytes); returns the length, or -1 with the
 * reason in err.  Plain decimals of up to 18 digits are multiplied in
 * 128 bits; anything else goes through mdx_dec, with the same result.
 */
static int
quote(const struct mdx_trade *t, char *buf, char *err, size_t errsz)
{
	uint64_t pc, qc;
	int ps, qs, r;
	mdx_dec p, q, pq;

	if (t->coef_given) {
		pc = t->pcoef;
		ps = t->pscale;
		qc = t->qcoef;
		qs = t->qscale;
	} else if (simple(t->price, t->plen, &pc, &ps) == -1 ||
	    simple(t->qty, t->qlen, &qc, &qs) == -1)
		pc = qc = 0;
	if (pc > 0 && qc > 0 && ps + qs <= MDX_DEC_MAXSCALE) {
		uint64_t c;

		pq.scale = ps + qs;
		if (!__builtin_mul_overflow(pc, qc, &c)) {
			/* Nearly always: the product fits in 64 bits. */
			while (pq.scale > 0 && c % 10 == 0) {
				c /= 10;
				pq.scale--;
			}
			pq.coef = c;
		} else {
			pq.coef = (__int128)pc * qc;
			while (pq.scale > 0 && pq.coef % 10 == 0) {
				pq.coef /= 10;
				pq.scale--;
			}
		}
		return mdx_dec_format(&pq, buf);
	}
	if (!plain(t->price, t->plen) || !plain(t->qty, t->qlen))
		return mdx_errf(err, errsz, "bad trade: bad price or quantity");
	if ((r = mdx_dec_parse(&p, t->price, t->plen)) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad trade: bad price \"%.*s\": %s",
		    (int)(t->plen > 40 ? 40 : t->plen), t->price,
		    mdx_dec_strerror(r));
	if ((r = mdx_dec_parse(&q, t->qty, t->qlen)) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad trade: bad quantity \"%.*s\": "
		    "%s", (int)(t->qlen > 40 ? 40 : t->qlen), t->qty,
		    mdx_dec_strerror(r));
	if (mdx_dec_sign(&p) <= 0)
		return mdx_errf(err, errsz, "bad trade: price \"%.*s\" is not "
		    "positive", (int)(t->plen > 40 ? 40 : t->plen), t->price);
	if (mdx_dec_sign(&q) <= 0)
		return mdx_errf(err, errsz, "bad trade: quantity \"%.*s\" is "
		    "not positive", (int)(t->qlen > 40 ? 40 : t->qlen), t->qty);
	if (mdx_dec_mul(&pq, &p, &q) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad trade: price x quantity does "
		    "not fit in 38 digits");
	mdx_dec_normalize(&pq);
	return mdx_dec_format(&pq, buf);
}

/*
 * Copies s[0..n) to o and returns the end: the texts of a trade are short,
 * and two overlapping word copies of a length the processor predicts cost
 * less than a call of memcpy() for each.  Reads and writes only s[0..n)
 * and o[0..n).
 */
static inline char *
put(char *o, const char *s, size_t n)
{
	uint64_t a, z;
	uint32_t c, y;

	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
		memcpy(o, &a, 8);
		memcpy(o + n - 8, &z, 8);
	} else if (n > 16 && n <= 32) {
		memcpy(&a, s, 8);
		memcpy(&z, s + 8, 8);
		memcpy(o, &a, 8);
		memcpy(o + 8, &z, 8);
		memcpy(&a, s + n - 16, 8);
		memcpy(&z, s + n - 8, 8);
		memcpy(o + n - 16, &a, 8);
		memcpy(o + n - 8, &z, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&c, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(o, &c, 4);
		memcpy(o + n - 4, &y, 4);
	} else
		memcpy(o, s, n);
	return o + n;
}

int
mdx_trade_format(const struct mdx_trade *t, struct mdx_buf *b, char *err,
    size_t errsz)
{
	char num[MDX_DEC_BUFSZ];
	int qn;
	char *o;

	if (t->idlen == 0 || t->idlen >= ID_MAX || !plain(t->id, t->idlen))
		return mdx_errf(err, errsz, "bad trade: bad id");
	if (t->us < 0 || t->us >= MDX_TIME_END * 1000)
		return mdx_errf(err, errsz, "bad trade: time out of range");
	if (t->first >= 0 && t->last < t->first)
		return mdx_errf(err, errsz, "bad trade: last id %lld before "
		    "first id %lld", (long long)t->last, (long long)t->first);
	/* The quote quantity is computed also when it is not written: it
	 * checks price and quantity. */
	if ((qn = quote(t, num, err, errsz)) == -1)
		return -1;
	/* The literals (under 200 bytes), the time formatted in place, ids
	 * of up to 20 digits, and the texts. */
	mdx_buf_grow(b, 256 + MDX_TIME_BUFSZ + 2 * 24 + t->exlen + t->mklen +
	    t->symlen + t->idlen + t->plen + t->qlen + t->felen + t->flen +
	    t->llen + MDX_DEC_BUFSZ);
	o = b->data + b->len;
#define PUT(s, l) do { o = put(o, s, l); } while (0)
#define LIT(s) PUT(s, sizeof(s) - 1)
	LIT("{\"kind\":\"trade\",\"exchange\":\"");
	PUT(t->exchange, t->exlen);
	LIT("\",\"market\":\"");
	PUT(t->market, t->mklen);
	LIT("\",\"symbol\":\"");
	PUT(t->symbol, t->symlen);
	LIT("\",\"id\":\"");
	PUT(t->id, t->idlen);
	LIT("\"");
	if (t->first >= 0 && t->ftext != NULL) {
		LIT(",\"first_id\":");
		PUT(t->ftext, t->flen);
		LIT(",\"last_id\":");
		PUT(t->ltext, t->llen);
	} else if (t->first >= 0) {
		LIT(",\"first_id\":");
		o += utoa((uint64_t)t->first, o);
		LIT(",\"last_id\":");
		o += utoa((uint64_t)t->last, o);
	}
	LIT(",\"time\":\"");
	o += mdx_time_format_us(t->us, o);
	LIT("\",\"price\":\"");
	PUT(t->price, t->plen);
	LIT("\",\"quantity\":\"");
	PUT(t->qty, t->qlen);
	if (t->no_quote)
		LIT("\",\"quote_quantity\":null,\"side\":\"");
	else {
		LIT("\",\"quote_quantity\":\"");
		PUT(num, qn);
		LIT("\",\"side\":\"");
	}
	if (t->buy)
		LIT("buy");
	else
		LIT("sell");
	if (t->archive)
		LIT("\",\"origin\":\"archive\"");
	else
		LIT("\",\"origin\":\"exchange\"");
	if (t->fetched != NULL) {
		LIT(",\"fetched_at\":\"");
		PUT(t->fetched, t->felen);
		LIT("\"");
	}
	LIT("}");
#undef PUT
#undef LIT
	b->len = o - b->data;
	b->data[b->len] = '\0';
	return 0;
}
