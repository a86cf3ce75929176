/*
 * watch.c - the watchlist reader (see mdx-watchlist(5)).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "market.h"
#include "utc.h"
#include "watch.h"

int
mdx_market_known(const char *exchange, const char *market)
{
	const struct mdx_market_info *m;

	if (exchange == NULL || market == NULL)
		return 0;
	for (m = mdx_market_list; m->exchange != NULL; m++)
		if (strcmp(m->exchange, exchange) == 0 &&
		    strcmp(m->market, market) == 0)
			return 1;
	return 0;
}

static int
exchange_known(const char *exchange)
{
	const struct mdx_exchange_info *e;

	for (e = mdx_exchange_list; e->exchange != NULL; e++)
		if (strcmp(e->exchange, exchange) == 0)
			return 1;
	return 0;
}

/* Symbols are the exchange's own spelling: letters, digits and - _ . / :
 * only, so they are safe in lake paths, SQL and command lines. */
static int
symbol_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '/' || c == ':';
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/*
 * Splits line into at most nf white-space separated fields, ending at a
 * '#' that starts a field.  Returns the number of fields, or nf + 1 when
 * there are more.
 */
static int
split(char *line, char **f, int nf)
{
	char *p = line;
	int n = 0;

	for (;;) {
		while (*p != '\0' && is_space((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		if (n == nf)
			return nf + 1;
		f[n++] = p;
		while (*p != '\0' && !is_space((unsigned char)*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static const struct {
	const char *name;
	unsigned bit;
} kind_names[] = {
	{ "klines", MDX_WATCH_KLINES }, { "mark", MDX_WATCH_MARK },
	{ "index", MDX_WATCH_INDEX }, { "premium", MDX_WATCH_PREMIUM },
	{ "funding", MDX_WATCH_FUNDING }, { "oi", MDX_WATCH_OI }
};

unsigned
mdx_watch_kind(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind_names[i].name, name) == 0)
			return kind_names[i].bit;
	return 0;
}

/* The kinds field "kinds=LIST" into w->kinds; returns NULL when good,
 * else the reason in why. */
static const char *
parse_kinds(const char *field, const char *market_contract,
    struct mdx_watch *w, char *why, size_t whysz)
{
	const char *p;
	char name[16];
	unsigned bit;
	size_t n;

	w->kinds = 0;
	for (p = field + 6; ; p += n + 1) {
		n = strcspn(p, ",");
		bit = 0;
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			bit = mdx_watch_kind(name);
		}
		if (bit == 0) {
			snprintf(why, whysz, "unknown kind '%.*s' (klines, "
			    "mark, index, premium, funding or oi)",
			    (int)(n < 20 ? n : 20), p);
			return why;
		}
		if (w->kinds & bit) {
			snprintf(why, whysz, "kind '%s' given twice", name);
			return why;
		}
		if ((bit & MDX_WATCH_DERIVATIVES) != 0 &&
		    strcmp(market_contract, "spot") == 0) {
			snprintf(why, whysz, "kind '%s' on a spot market", name);
			return why;
		}
		w->kinds |= bit;
		if (p[n] == '\0')
			break;
	}
	return NULL;
}

/* The contract type of a market mdx knows ("spot", "linear",
 * "inverse"). */
static const char *
contract_of(const char *exchange, const char *market)
{
	const struct mdx_market_info *m;

	for (m = mdx_market_list; m->exchange != NULL; m++)
		if (strcmp(m->exchange, exchange) == 0 &&
		    strcmp(m->market, market) == 0)
			return m->contract;
	return "spot";
}

/* Checks one entry (f[3] is NULL when the line gives no intervals, f[4]
 * when it gives no kinds); returns NULL when good, else the reason in
 * why. */
static const char *
parse_entry(char **f, struct mdx_watch *w, char *why, size_t whysz)
{
	const struct mdx_interval *iv;
	char *p, code[8];
	size_t n;
	int i;

	if (strlen(f[0]) >= sizeof(w->exchange) || !exchange_known(f[0])) {
		snprintf(why, whysz, "unknown exchange '%.40s'", f[0]);
		return why;
	}
	if (strlen(f[1]) >= sizeof(w->market) ||
	    !mdx_market_known(f[0], f[1])) {
		snprintf(why, whysz, "unknown market '%.40s' for exchange '%s'",
		    f[1], f[0]);
		return why;
	}
	n = strlen(f[2]);
	if (n >= sizeof(w->symbol)) {
		snprintf(why, whysz, "symbol '%.40s...' longer than %zu "
		    "characters", f[2], sizeof(w->symbol) - 1);
		return why;
	}
	for (p = f[2]; *p != '\0'; p++)
		if (!symbol_char((unsigned char)*p)) {
			if ((unsigned char)*p > 0x20 &&
			    (unsigned char)*p < 0x7f)
				snprintf(why, whysz, "invalid character '%c' "
				    "in symbol '%s'", *p, f[2]);
			else
				snprintf(why, whysz, "invalid byte 0x%02x in "
				    "symbol", (unsigned char)*p);
			return why;
		}
	memcpy(w->exchange, f[0], strlen(f[0]) + 1);
	memcpy(w->market, f[1], strlen(f[1]) + 1);
	memcpy(w->symbol, f[2], n + 1);

	w->kinds = MDX_WATCH_KLINES;
	if (f[4] != NULL && parse_kinds(f[4], contract_of(f[0], f[1]), w,
	    why, whysz) != NULL)
		return why;

	/* Without intervals the program's own choice applies. */
	w->ninterval = 0;
	w->trades = 0;
	for (p = f[3]; p != NULL; p += n + 1) {
		n = strcspn(p, ",");
		if (n == 0) {
			snprintf(why, whysz, "empty interval in '%s'", f[3]);
			return why;
		}
		if ((n == 6 && strncmp(p, "trades", 6) == 0) ||
		    (n == 11 && strncmp(p, "trades:load", 11) == 0)) {
			if (w->trades != 0) {
				snprintf(why, whysz, "trades given twice");
				return why;
			}
			w->trades = n == 6 ? MDX_WATCH_TRADES_LAKE :
			    MDX_WATCH_TRADES_LOAD;
			if (p[n] == '\0')
				break;
			continue;
		}
		iv = NULL;
		if (n < sizeof(code)) {
			memcpy(code, p, n);
			code[n] = '\0';
			iv = mdx_interval_lookup(code);
		}
		if (iv == NULL) {
			snprintf(why, whysz, "unknown interval '%.*s'",
			    (int)(n < 20 ? n : 20), p);
			return why;
		}
		for (i = 0; i < w->ninterval; i++)
			if (w->interval[i] == iv) {
				snprintf(why, whysz, "interval '%s' given "
				    "twice", iv->code);
				return why;
			}
		if (w->ninterval == MDX_WATCH_MAXIV) {
			snprintf(why, whysz, "more than %d intervals",
			    MDX_WATCH_MAXIV);
			return why;
		}
		w->interval[w->ninterval++] = iv;
		if (p[n] == '\0')
			break;
	}
	w->nocandles = w->trades != 0 && w->ninterval == 0;
	return NULL;
}

int
mdx_watchlist_read(const char *path, struct mdx_watch **out)
{
	FILE *fp;
	int n;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		return mdx_watchlist_read_fp(stdin, "stdin", out);
	if ((fp = fopen(path, "r")) == NULL) {
		mdx_warn("cannot open watchlist '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	n = mdx_watchlist_read_fp(fp, path, out);
	fclose(fp);
	return n;
}

int
mdx_watchlist_read_fp(FILE *fp, const char *name, struct mdx_watch **out)
{
	struct mdx_watch *v = NULL, w;
	const char *reason;
	char *line = NULL, *f[5], why[256];
	size_t cap = 0, nv = 0, vcap = 0, namelen, i;
	unsigned long lineno = 0;
	ssize_t len;
	int nf, nbad = 0, e;

	*out = NULL;
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((size_t)len != strlen(line)) {
			mdx_warn("bad watchlist entry: NUL byte (at %s:%lu)",
			    name, lineno);
			nbad++;
			continue;
		}
		nf = split(line, f, 5);
		if (nf == 0)
			continue;
		/* The kinds, when given, are the last field. */
		if (nf >= 4 && nf <= 5 &&
		    strncmp(f[nf - 1], "kinds=", 6) == 0) {
			f[4] = f[nf - 1];
			nf--;
		} else
			f[4] = NULL;
		if (nf < 3 || nf > 4) {
			mdx_warn("bad watchlist entry: %s (at %s:%lu)",
			    nf < 3 ? "want exchange, market, symbol and "
			    "intervals" : "more than four fields besides "
			    "kinds=", name, lineno);
			nbad++;
			continue;
		}
		memset(&w, 0, sizeof(w));
		if (nf == 3)
			f[3] = NULL;
		if ((reason = parse_entry(f, &w, why, sizeof(why))) != NULL) {
			mdx_warn("bad watchlist entry: %s (at %s:%lu)", reason,
			    name, lineno);
			nbad++;
			continue;
		}
		w.pos.line = lineno;
		for (i = 0; i < nv; i++)
			if (strcmp(v[i].symbol, w.symbol) == 0 &&
			    strcmp(v[i].market, w.market) == 0 &&
			    strcmp(v[i].exchange, w.exchange) == 0)
				break;
		if (i < nv) {
			mdx_warn("bad watchlist entry: duplicate of '%s %s %s' "
			    "at line %lu (at %s:%lu)", w.exchange, w.market,
			    w.symbol, v[i].pos.line, name, lineno);
			nbad++;
			continue;
		}
		if (nv == vcap) {
			vcap = vcap ? vcap * 2 : 16;
			v = mdx_realloc(v, vcap * sizeof(*v));
		}
		v[nv++] = w;
	}
	e = ferror(fp) ? errno : 0;
	free(line);
	if (e != 0) {
		mdx_warn("read error on watchlist '%s': %s", name, strerror(e));
		free(v);
		return -1;
	}
	if (nbad > 0) {
		free(v);
		return -1;
	}

	/*
	 * The entries and the file name they point to are one allocation,
	 * so the caller frees them with one free().
	 */
	namelen = strlen(name) + 1;
	*out = mdx_malloc(nv * sizeof(*v) + namelen);
	memcpy((char *)*out + nv * sizeof(*v), name, namelen);
	for (i = 0; i < nv; i++) {
		(*out)[i] = v[i];
		(*out)[i].pos.name = (char *)*out + nv * sizeof(*v);
	}
	free(v);
	return (int)nv;
}
