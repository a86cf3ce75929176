/*
 * archive.c - mdx-extract --archive: Binance public-data archives read
 * from files instead of fetched, written as the same raw records.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <libdeflate.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "dec.h"
#include "utc.h"
#include "sha256.h"
#include "market.h"

#include "exchange.h"
#include "extract.h"

/* ------------------------------------------------------------------------
 * Binance public-data archives: SYMBOL-INTERVAL-YYYY-MM[-DD].zip (klines
 * of trades, mark, index and premium-index prices, told apart only by the
 * directory Binance keeps them in, so by -k here),
 * SYMBOL-fundingRate-YYYY-MM.zip (funding, monthly) and
 * SYMBOL-metrics-YYYY-MM-DD.zip (open interest every 5 minutes, daily),
 * SYMBOL-aggTrades-YYYY-MM[-DD].zip (aggregate trades), each a zip
 * holding one CSV, with a SHA-256 in NAME.zip.CHECKSUM; and Bybit's
 * trading history, SYMBOLYYYY-MM-DD.csv.gz.
 */
enum zipkind { ZIP_KLINES, ZIP_FUNDING, ZIP_METRICS, ZIP_TRADES };

struct zipname {
	char *path;
	const char *base;
	char symbol[65];
	enum zipkind zk;
	const struct mdx_interval *iv;	/* NULL for fundingRate and trades */
	char date[11];		/* YYYY-MM or YYYY-MM-DD */
	int trades;		/* 1 Binance aggTrades, 2 Bybit trading
				   history (SYMBOLYYYY-MM-DD.csv.gz) */
};

/* Splits a Bybit trading-history file name, SYMBOLYYYY-MM-DD.csv.gz; -1
 * when it is not one. */
static int
bybit_parse(struct zipname *z)
{
	size_t len = strlen(z->base), k;

	z->trades = 2;
	z->zk = ZIP_TRADES;
	z->iv = NULL;
	if (len < 18 || len - 17 >= sizeof(z->symbol) ||
	    strcmp(z->base + len - 7, ".csv.gz") != 0)
		return -1;
	memcpy(z->date, z->base + len - 17, 10);
	z->date[10] = '\0';
	for (k = 0; k < 10; k++)
		if ((k == 4 || k == 7) ? z->date[k] != '-' :
		    (z->date[k] < '0' || z->date[k] > '9'))
			return -1;
	memcpy(z->symbol, z->base, len - 17);
	z->symbol[len - 17] = '\0';
	return extract_symbol_ok(z->symbol) ? 0 : -1;
}

/* The archive kind -k reads. */
static enum zipkind
zipkind_wanted(void)
{
	return opt.kind == MDX_KIND_FUNDING ? ZIP_FUNDING :
	    opt.kind == MDX_KIND_OPEN_INTEREST ? ZIP_METRICS :
	    opt.kind == MDX_KIND_TRADES ? ZIP_TRADES : ZIP_KLINES;
}

/* The name pattern of an archive kind, for messages. */
static const char *
zipkind_pattern(enum zipkind zk)
{
	return zk == ZIP_FUNDING ? "SYMBOL-fundingRate-YYYY-MM.zip" :
	    zk == ZIP_METRICS ? "SYMBOL-metrics-YYYY-MM-DD.zip" :
	    zk == ZIP_TRADES ? "SYMBOL-aggTrades-YYYY-MM[-DD].zip or "
	    "SYMBOLYYYY-MM-DD.csv.gz" :
	    "SYMBOL-INTERVAL-YYYY-MM[-DD].zip";
}

/* Splits an archive name; -1 when it is not SYMBOL-INTERVAL-DATE.zip,
 * SYMBOL-fundingRate-YYYY-MM.zip, SYMBOL-metrics-YYYY-MM-DD.zip,
 * SYMBOL-aggTrades-DATE.zip or SYMBOLYYYY-MM-DD.csv.gz. */
static int
zip_parse(struct zipname *z)
{
	char name[256], *p, *dash[4];
	const char *ivc;
	int n = 0;
	size_t len;

	z->base = strrchr(z->path, '/') ? strrchr(z->path, '/') + 1 : z->path;
	len = strlen(z->base);
	z->trades = 0;
	if (len > 7 && strcmp(z->base + len - 7, ".csv.gz") == 0)
		return bybit_parse(z);
	if (len < 5 || len >= sizeof(name) ||
	    strcmp(z->base + len - 4, ".zip") != 0)
		return -1;
	memcpy(name, z->base, len - 4);
	name[len - 4] = '\0';
	/* The date has one or two dashes; the symbol none. */
	for (p = name; *p != '\0'; p++)
		if (*p == '-') {
			if (n == 4)
				return -1;
			dash[n++] = p;
		}
	if (n < 3)
		return -1;
	*dash[0] = *dash[1] = '\0';
	if (!extract_symbol_ok(name) || strlen(name) >= sizeof(z->symbol))
		return -1;
	strcpy(z->symbol, name);
	if (strlen(dash[1] + 1) >= sizeof(z->date))
		return -1;
	strcpy(z->date, dash[1] + 1);
	if (strcmp(dash[0] + 1, "fundingRate") == 0) {
		z->zk = ZIP_FUNDING;
		z->iv = NULL;
		return n == 3 ? 0 : -1;	/* monthly only: YYYY-MM */
	}
	if (strcmp(dash[0] + 1, "metrics") == 0) {
		z->zk = ZIP_METRICS;
		z->iv = mdx_interval_lookup("5m");
		return n == 4 ? 0 : -1;	/* daily only: YYYY-MM-DD */
	}
	if (strcmp(dash[0] + 1, "aggTrades") == 0) {
		z->zk = ZIP_TRADES;
		z->trades = 1;
		z->iv = NULL;
		return 0;
	}
	z->zk = ZIP_KLINES;
	ivc = strcmp(dash[0] + 1, "1mo") == 0 ? "1M" : dash[0] + 1;
	if ((z->iv = mdx_interval_lookup(ivc)) == NULL)
		return -1;
	return 0;
}

static int
zip_cmp(const void *a, const void *b)
{
	const struct zipname *x = a, *y = b;
	int c;

	if ((c = strcmp(x->symbol, y->symbol)) != 0)
		return c;
	if (x->trades != y->trades)
		return x->trades - y->trades;
	if (x->iv != y->iv && x->iv != NULL && y->iv != NULL)
		return x->iv->ms < y->iv->ms ? -1 : 1;
	/* A month before its days: "2024-01" sorts first. */
	return strcmp(x->date, y->date);
}

static int
zip_wanted(const struct zipname *z)
{
	int i, ok = opt.nsymbols == 0;

	for (i = 0; i < opt.nsymbols; i++)
		if (strcmp(opt.symbols[i], z->symbol) == 0)
			ok = 1;
	if (!ok || z->zk != zipkind_wanted())
		return 0;
	/* Bybit's trade files with -x bybit, Binance's archives with -x
	 * binance. */
	if ((z->trades == 2) != (strcmp(opt.exchange, "bybit") == 0))
		return 0;
	if (!opt.ivs_given || z->zk != ZIP_KLINES)
		return 1;	/* without -i: every interval */
	for (i = 0; i < opt.nivs; i++)
		if (opt.ivs[i] == z->iv)
			return 1;
	return 0;
}

/* Reads the file into b, straight into room made for its size. */
static int
read_file(const char *path, struct mdx_buf *b)
{
	struct stat st;
	ssize_t n;
	int fd;

	mdx_buf_reset(b);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		mdx_buf_grow(b, (size_t)st.st_size + 1);
	for (;;) {
		if (b->cap < b->len + 2)
			mdx_buf_grow(b, 65536);
		if ((n = read(fd, b->data + b->len, b->cap - b->len - 1)) <= 0)
			break;
		b->len += (size_t)n;
	}
	if (b->data != NULL)
		b->data[b->len] = '\0';
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Checks NAME.zip against NAME.zip.CHECKSUM when there is one: 0 good or
 * absent, -1 after a message. */
static int
zip_checksum(const struct zipname *z, const struct mdx_buf *data)
{
	struct mdx_buf path = MDX_BUF_INIT, sum = MDX_BUF_INIT;
	struct mdx_sha256 sh;
	char hex[MDX_SHA256_HEXLEN + 1];
	size_t i;
	int rv = 0;

	mdx_buf_printf(&path, "%s.CHECKSUM", z->path);
	if (read_file(path.data, &sum) == -1) {
		if (errno != ENOENT) {
			mdx_warn("cannot read '%s': %s", path.data,
			    strerror(errno));
			extract_fail(MDX_EX_IOERR);
			rv = -1;
		} else
			mdx_debug("%s: no checksum file", z->path);
		goto out;
	}
	for (i = 0; i < sum.len && i < MDX_SHA256_HEXLEN; i++)
		if (!((sum.data[i] >= '0' && sum.data[i] <= '9') ||
		    (sum.data[i] >= 'a' && sum.data[i] <= 'f') ||
		    (sum.data[i] >= 'A' && sum.data[i] <= 'F')))
			break;
	if (i != MDX_SHA256_HEXLEN) {
		mdx_warn("bad checksum file '%s': no SHA-256 at its start "
		    "(at %s:1)", path.data, path.data);
		extract_fail(MDX_EX_DATAERR);
		rv = -1;
		goto out;
	}
	mdx_sha256_init(&sh);
	mdx_sha256_update(&sh, data->data, data->len);
	mdx_sha256_hex(&sh, hex);
	if (strncasecmp(hex, sum.data, MDX_SHA256_HEXLEN) != 0) {
		mdx_warn("checksum mismatch for '%s': SHA-256 %s, '%s' says "
		    "%.64s", z->path, hex, path.data, sum.data);
		extract_fail(MDX_EX_DATAERR);
		rv = -1;
	}
out:
	mdx_buf_free(&path);
	mdx_buf_free(&sum);
	return rv;
}

/* RFC 3339 for open times, computing the date once per day. */
static int
fast_time(mdx_time t, char *buf)
{
	return mdx_time_format_us((int64_t)t * 1000, buf);
}

/* Whether s[0..n) is an unsigned integer as JSON writes it: digits, no
 * leading zero, at most 19 of them. */
static int
json_uint(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 19 || (s[0] == '0' && n > 1))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

void
extract_csv_begin(struct extract_csv *c, const char *base,
    const char *symbol, const struct mdx_interval *iv, const char *fetched)
{
	memset(c, 0, sizeof(*c));
	c->base = base;
	c->symbol = symbol;
	c->iv = iv;
	c->kind = opt.kind;
	mdx_buf_printf(&c->pre, "{\"mdx\":\"raw\",\"exchange\":\"binance\","
	    "\"market\":\"%s\",\"kind\":\"%s\",\"symbol\":\"%s\",",
	    opt.market, mdx_kind_name(c->kind), symbol);
	if (iv != NULL)
		mdx_buf_printf(&c->pre, "\"interval\":\"%s\",", iv->code);
	mdx_buf_addstr(&c->pre, "\"time\":\"");
	mdx_buf_printf(&c->req, "\",\"source\":\"archive\",\"request\":\"%s:",
	    base);
	mdx_buf_printf(&c->mid, "\",\"fetched_at\":\"%s\",%s\"data\":",
	    fetched, mdx_kind_candles(c->kind) ? "\"closed\":true," : "");
}

void
extract_csv_end(struct extract_csv *c)
{
	mdx_buf_free(&c->pre);
	mdx_buf_free(&c->req);
	mdx_buf_free(&c->mid);
	mdx_buf_free(&c->out);
}

/* Starts the record of a funding or metrics row at time t: the envelope
 * up to "data". */
static void
csv_record_start(struct extract_csv *c, mdx_time t)
{
	char ts[MDX_TIME_BUFSZ];

	mdx_time_format(t, ts);
	mdx_buf_add(&c->out, c->pre.data, c->pre.len);
	mdx_buf_addstr(&c->out, ts);
	mdx_buf_add(&c->out, c->req.data, c->req.len);
	mdx_buf_printf(&c->out, "%lu", c->line);
	mdx_buf_add(&c->out, c->mid.data, c->mid.len);
}

/* Splits a CSV line into at most max fields; returns their number. */
static int
csv_split(const char *s, size_t n, const char **f, size_t *len, int max)
{
	const char *p = s, *e = s + n, *q;
	int k = 0;

	for (;;) {
		if (k == max)
			return max + 1;
		q = memchr(p, ',', e - p);
		f[k] = p;
		len[k] = (q != NULL ? q : e) - p;
		k++;
		if (q == NULL)
			return k;
		p = q + 1;
	}
}

/* Whether f[0..n) is a decimal number as mdx reads one. */
static int
csv_dec(const char *f, size_t n)
{
	mdx_dec d;

	return mdx_dec_parse(&d, f, n) == MDX_DEC_OK;
}

/* Whether f[0..n) is printable ASCII without a quote or backslash, which
 * a JSON string holds as it is. */
static int
csv_plain(const char *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i] < 0x20 || f[i] > 0x7e || f[i] == '"' || f[i] == '\\')
			return 0;
	return 1;
}

/* Whether the row at t is outside --since and --until (then counted). */
static int
csv_skip(struct extract_csv *c, mdx_time t)
{
	if ((opt.have_since && t < opt.since) ||
	    (opt.have_until && t >= opt.until)) {
		c->skipped++;
		return 1;
	}
	return 0;
}

static void
csv_bad(struct extract_csv *c, const char *what)
{
	mdx_warn("bad archive row: not a %s row (at %s:%lu)", what, c->base,
	    c->line);
	c->rejected++;
	extract_fail(MDX_EX_DATAERR);
}

/*
 * A fundingRate row: calc_time (ms), funding_interval_hours,
 * last_funding_rate.  Its data is {"fundingTime":T,"fundingRate":"R",
 * "fundingIntervalHours":H}: the REST names, and the interval the CSV
 * adds.
 */
static void
funding_line(struct extract_csv *c, const char *s, size_t n)
{
	const char *f[4];
	size_t len[4];
	int64_t v;

	if (c->line == 1 && n == sizeof(MDX_BINANCE_FUNDING_HEADER) - 1 &&
	    memcmp(s, MDX_BINANCE_FUNDING_HEADER, n) == 0)
		return;
	/* The interval is 1 to 99 hours, the rate a decimal. */
	if (csv_split(s, n, f, len, 3) != 3 || !json_uint(f[0], len[0]) ||
	    !json_uint(f[1], len[1]) || len[1] > 2 || (len[1] == 1 &&
	    f[1][0] == '0') || !csv_dec(f[2], len[2])) {
		csv_bad(c, "fundingRate");
		return;
	}
	v = strtoll(f[0], NULL, 10);
	if (!MDX_TIME_STORABLE(v)) {
		csv_bad(c, "fundingRate");
		return;
	}
	if (csv_skip(c, v))
		return;
	csv_record_start(c, v);
	mdx_buf_addstr(&c->out, "{\"fundingTime\":");
	mdx_buf_add(&c->out, f[0], len[0]);
	mdx_buf_addstr(&c->out, ",\"fundingRate\":\"");
	mdx_buf_add(&c->out, f[2], len[2]);
	mdx_buf_addstr(&c->out, "\",\"fundingIntervalHours\":");
	mdx_buf_add(&c->out, f[1], len[1]);
	mdx_buf_addstr(&c->out, "}}\n");
	c->rows++;
}

/*
 * A metrics row: create_time ("YYYY-MM-DD HH:MM:SS", UTC), symbol,
 * sum_open_interest, sum_open_interest_value and four long/short ratios.
 * Its data is {"timestamp":T,"symbol":S,"sumOpenInterest":"O",
 * "sumOpenInterestValue":"V",...}: the REST names of openInterestHist,
 * then the ratios under their CSV names, as strings.
 */
static void
metrics_line(struct extract_csv *c, const char *s, size_t n)
{
	static const char *const ratio[] = { "count_toptrader_long_short_ratio",
		"sum_toptrader_long_short_ratio", "count_long_short_ratio",
		"sum_taker_long_short_vol_ratio" };
	const char *f[9];
	size_t len[9];
	char ts[32];
	mdx_time t;
	int k;

	if (c->line == 1 && n == sizeof(MDX_BINANCE_METRICS_HEADER) - 1 &&
	    memcmp(s, MDX_BINANCE_METRICS_HEADER, n) == 0)
		return;
	if (csv_split(s, n, f, len, 8) != 8 || len[0] != 19 ||
	    f[0][10] != ' ')
		goto bad;
	/* "2024-01-01 00:05:00" is RFC 3339 with a T and a Z. */
	memcpy(ts, f[0], 19);
	ts[10] = 'T';
	ts[19] = 'Z';
	ts[20] = '\0';
	if (mdx_time_parse_rfc3339(ts, 20, &t) != 0 ||
	    !mdx_interval_aligned(c->iv, t) || !MDX_TIME_STORABLE(t) ||
	    len[1] != strlen(c->symbol) ||
	    memcmp(f[1], c->symbol, len[1]) != 0 ||
	    !csv_dec(f[2], len[2]) || !csv_dec(f[3], len[3]))
		goto bad;
	for (k = 4; k < 8; k++)
		if (!csv_plain(f[k], len[k]))
			goto bad;
	if (csv_skip(c, t))
		return;
	csv_record_start(c, t);
	mdx_buf_printf(&c->out, "{\"timestamp\":%lld,\"symbol\":\"%s\","
	    "\"sumOpenInterest\":\"", (long long)t, c->symbol);
	mdx_buf_add(&c->out, f[2], len[2]);
	mdx_buf_addstr(&c->out, "\",\"sumOpenInterestValue\":\"");
	mdx_buf_add(&c->out, f[3], len[3]);
	mdx_buf_addch(&c->out, '"');
	for (k = 4; k < 8; k++) {
		mdx_buf_printf(&c->out, ",\"%s\":\"", ratio[k - 4]);
		mdx_buf_add(&c->out, f[k], len[k]);
		mdx_buf_addch(&c->out, '"');
	}
	mdx_buf_addstr(&c->out, "}}\n");
	c->rows++;
	return;
bad:
	csv_bad(c, "metrics");
}

void
extract_csv_line(struct extract_csv *c, const char *s, size_t n)
{
	char ts[MDX_TIME_BUFSZ], num[24];
	const char *p = s, *e = s + n, *f;
	int64_t v = 0;
	size_t commas = 0, k, start;
	mdx_time t;
	int tn, nn, plain = 1;
	char *o;

	c->line++;
	if (n > 0 && s[n - 1] == '\r')
		e = s + --n;
	if (n == 0)
		return;
	if (c->kind == MDX_KIND_FUNDING || c->kind == MDX_KIND_OPEN_INTEREST) {
		if (c->kind == MDX_KIND_FUNDING)
			funding_line(c, s, n);
		else
			metrics_line(c, s, n);
		if (c->out.len >= 1 << 20) {
			mdx_write(mdx_stdout(), c->out.data, c->out.len);
			mdx_buf_reset(&c->out);
		}
		return;
	}
	if (*p < '0' || *p > '9') {
		/* Only the first line may be the header, and only the
		 * known one: anything else is a row that is not a kline. */
		if (c->line == 1 && n == sizeof(MDX_BINANCE_CSV_HEADER) - 1 &&
		    memcmp(s, MDX_BINANCE_CSV_HEADER, n) == 0)
			return;
		goto bad;
	}
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (p == e || *p != ',')
		goto bad;
	/*
	 * One pass: the fields, and whether the line needs JSON escapes.  A
	 * kline row is ASCII; a byte past it (which could be invalid UTF-8,
	 * and so make the record written invalid JSON) is not one.
	 */
	for (; p < e; p++) {
		if (*p == ',')
			commas++;
		else if ((unsigned char)*p >= 0x80)
			goto bad;
		else if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\')
			plain = 0;
	}
	if (commas != 11)
		goto bad;
	t = mdx_time_from_epoch(v);
	if (!mdx_interval_aligned(c->iv, t))
		goto bad;
	if ((opt.have_since && t < opt.since) ||
	    (opt.have_until && t >= opt.until)) {
		c->skipped++;
		return;
	}
	tn = fast_time(t, ts);
	nn = 0;
	for (k = c->line; k > 0; k /= 10)
		num[nn++] = (char)('0' + k % 10);
	/* The constant parts come from buffers made once per file. */
	start = c->out.len;
	mdx_buf_grow(&c->out, c->pre.len + tn + c->req.len + nn +
	    c->mid.len + n + 4);
	o = c->out.data + c->out.len;
	memcpy(o, c->pre.data, c->pre.len);
	o += c->pre.len;
	memcpy(o, ts, tn);
	o += tn;
	memcpy(o, c->req.data, c->req.len);
	o += c->req.len;
	while (nn > 0)
		*o++ = num[--nn];
	memcpy(o, c->mid.data, c->mid.len);
	o += c->mid.len;
	c->out.len = o - c->out.data;
	/*
	 * data is the row as the REST API gives it (HACKING.md "Raw
	 * records"), so that a kind has one shape in the lake: the open
	 * time, close time and trades as JSON numbers, the other fields as
	 * strings, each byte as the CSV has it.
	 */
	mdx_buf_addch(&c->out, '[');
	for (p = s, k = 0; k < 12; k++, p = f + 1) {
		if ((f = memchr(p, ',', e - p)) == NULL)
			f = e;
		if (k > 0)
			mdx_buf_addch(&c->out, ',');
		if (k == 0 || k == 6 || k == 8) {
			if (!json_uint(p, f - p)) {
				/* Not a kline: the record is dropped. */
				c->out.len = start;
				goto bad;
			}
			mdx_buf_add(&c->out, p, f - p);
		} else if (plain) {
			mdx_buf_addch(&c->out, '"');
			mdx_buf_add(&c->out, p, f - p);
			mdx_buf_addch(&c->out, '"');
		} else
			mdx_buf_add_json_str(&c->out, p, f - p);
	}
	mdx_buf_grow(&c->out, 3);
	o = c->out.data + c->out.len;
	*o++ = ']';
	*o++ = '}';
	*o++ = '\n';
	c->out.len = o - c->out.data;
	c->out.data[c->out.len] = '\0';
	c->rows++;
	if (c->out.len >= 1 << 20) {
		mdx_write(mdx_stdout(), c->out.data, c->out.len);
		mdx_buf_reset(&c->out);
	}
	return;
bad:
	mdx_warn("bad archive row: not a %s kline (at %s:%lu)",
	    c->iv->code, c->base, c->line);
	c->rejected++;
	extract_fail(MDX_EX_DATAERR);
}

/* The largest trade archive member inflated whole in memory; a larger one
 * is streamed through libarchive. */
#define WHOLE_MAX ((size_t)256 << 20)

#ifndef MAP_POPULATE
#define MAP_POPULATE 0
#endif

/*
 * Memory for inflated members, kept from one archive to the next.  It is
 * mapped with MAP_POPULATE (Linux), so that the kernel fills it in one
 * call: tens of MiB taken page by page cost a fault every 4 KiB, a tenth
 * of an import.
 */
struct region {
	char *p;
	size_t cap, len;
};

/* Makes r hold at least n bytes; -1 when there is no memory. */
static int
region_fit(struct region *r, size_t n)
{
	if (n <= r->cap)
		return 0;
	if (r->p != NULL)
		munmap(r->p, r->cap);
	r->cap = (n + 0xfffff) & ~(size_t)0xfffff;
	r->p = mmap(NULL, r->cap, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (r->p == MAP_FAILED) {
		r->p = NULL;
		r->cap = 0;
		return -1;
	}
	return 0;
}

static void
region_free(struct region *r)
{
	if (r->p != NULL)
		munmap(r->p, r->cap);
	r->p = NULL;
	r->cap = r->len = 0;
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

/*
 * A zip of one member, deflated or stored, as Binance's trade archives
 * are, inflated whole with libdeflate (several times faster than zlib's
 * streaming inflate, which bounds the import of trade archives) into out,
 * and its CRC-32 checked.  Returns 1 when done, 0 when the file is not
 * such a zip, its member is larger than WHOLE_MAX or there is no memory
 * for it (libarchive then reads it), -1 when it is corrupt, with the
 * reason in why.
 */
static int
zip_whole(const struct mdx_buf *data, struct region *out, const char **why)
{
	const unsigned char *d = (const unsigned char *)data->data, *cd, *lh;
	static struct libdeflate_decompressor *dc;
	size_t n = data->len, i, eocd, clen, ulen, off;
	uint32_t method, crc;

	if (n < 22)
		return 0;
	/* The end of central directory record, with at most a 64 KiB
	 * comment after it. */
	for (i = n - 22; ; i--) {
		if (le32(d + i) == 0x06054b50)
			break;
		if (i == 0 || n - i > 22 + 65535)
			return 0;
	}
	eocd = i;
	if (le16(d + eocd + 10) != 1 || le32(d + eocd + 16) > eocd - 46)
		return 0;
	cd = d + le32(d + eocd + 16);
	if (le32(cd) != 0x02014b50)
		return 0;
	method = le16(cd + 10);
	crc = le32(cd + 16);
	clen = le32(cd + 20);
	ulen = le32(cd + 24);
	off = le32(cd + 42);
	if ((method != 0 && method != 8) || clen == 0xffffffff ||
	    ulen == 0xffffffff || ulen > WHOLE_MAX || (le16(cd + 8) & 1))
		return 0;
	if (off > n - 30 || le32(d + off) != 0x04034b50) {
		*why = "bad local header";
		return -1;
	}
	lh = d + off;
	off += 30 + le16(lh + 26) + le16(lh + 28);
	if (off > n || clen > n - off) {
		*why = "member data past the end of the file";
		return -1;
	}
	if (region_fit(out, ulen + 1) == -1)
		return 0;
	if (method == 0) {
		if (clen != ulen) {
			*why = "stored member of the wrong size";
			return -1;
		}
		memcpy(out->p, d + off, ulen);
	} else {
		if (dc == NULL && (dc = libdeflate_alloc_decompressor()) ==
		    NULL)
			mdx_die(MDX_EX_FAIL, "out of memory");
		if (libdeflate_deflate_decompress(dc, d + off, clen, out->p,
		    ulen, NULL) != LIBDEFLATE_SUCCESS) {
			*why = "bad deflate data";
			return -1;
		}
	}
	if (libdeflate_crc32(0, out->p, ulen) != crc) {
		*why = "CRC-32 mismatch";
		return -1;
	}
	out->len = ulen;
	out->p[ulen] = '\0';
	return 1;
}

/* One line of an archive's CSV, to the reader of its kind. */
static void
line(const struct zipname *z, struct extract_csv *c, struct extract_tcsv *tc,
    const char *s, size_t n)
{
	if (z->trades)
		extract_tcsv_line(tc, s, n);
	else
		extract_csv_line(c, s, n);
}

static void
import_zip(const struct zipname *z, struct mdx_buf *data, struct region *whole,
    const char *fetched)
{
	struct archive *a;
	struct archive_entry *e;
	struct extract_csv c;
	struct extract_tcsv tc;
	struct mdx_buf carry = MDX_BUF_INIT;
	const char *nl, *p, *be;
	const void *blk;
	size_t bn;
	la_int64_t off;
	int n;
	int rc, entries = 0;
	mdx_time t0 = extract_real_ms();

	if (read_file(z->path, data) == -1) {
		mdx_warn("cannot read '%s': %s", z->path, strerror(errno));
		extract_fail(MDX_EX_IOERR);
		return;
	}
	if (zip_checksum(z, data) == -1)
		return;
	memset(&c, 0, sizeof(c));
	memset(&tc, 0, sizeof(tc));
	if (z->trades)
		extract_tcsv_begin(&tc, z->base, z->symbol, z->trades == 2,
		    fetched);
	else
		extract_csv_begin(&c, z->base, z->symbol, z->iv, fetched);
	if (z->trades == 1) {
		const char *why = NULL;
		int w;

		if ((w = zip_whole(data, whole, &why)) == -1) {
			mdx_warn("corrupt archive '%s': %s (at %s:0)", z->path,
			    why, z->base);
			extract_fail(MDX_EX_DATAERR);
			a = NULL;
			goto out;
		}
		if (w == 1) {
			a = NULL;
			for (p = whole->p, be = p + whole->len; p < be;
			    p = nl + 1) {
				if ((nl = memchr(p, '\n', be - p)) == NULL)
					nl = be;
				line(z, &c, &tc, p, nl - p);
			}
			goto out;
		}
	}
	a = archive_read_new();
	if (z->trades == 2)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_zip(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_memory(a, data->data, data->len) != ARCHIVE_OK)
		goto corrupt;
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		entries++;
		c.line = 0;
		tc.line = 0;
		tc.last_id = -1;
		mdx_buf_reset(&carry);
		/* The blocks libarchive holds, read in place. */
		while ((n = archive_read_data_block(a, &blk, &bn, &off)) ==
		    ARCHIVE_OK) {
			p = blk;
			be = p + bn;
			while ((nl = memchr(p, '\n', be - p)) != NULL) {
				if (carry.len > 0) {
					mdx_buf_add(&carry, p, nl - p);
					line(z, &c, &tc, carry.data, carry.len);
					mdx_buf_reset(&carry);
				} else
					line(z, &c, &tc, p, nl - p);
				p = nl + 1;
			}
			mdx_buf_add(&carry, p, be - p);
		}
		if (n != ARCHIVE_EOF)
			goto corrupt;
		if (carry.len > 0)
			line(z, &c, &tc, carry.data, carry.len);
	}
	if (rc != ARCHIVE_EOF)
		goto corrupt;
	if (entries == 0) {
		mdx_warn("bad archive '%s': no CSV inside", z->path);
		extract_fail(MDX_EX_DATAERR);
	}
	goto out;
corrupt:
	mdx_warn("corrupt archive '%s': %s (at %s:%lu)", z->path,
	    archive_error_string(a) ? archive_error_string(a) : "unreadable",
	    z->base, z->trades ? tc.line : c.line);
	extract_fail(MDX_EX_DATAERR);
out:
	if (z->trades) {
		mdx_write(mdx_stdout(), tc.out.data, tc.out.len);
		if (mdx_verbose >= 1)
			fprintf(stderr, "%s: %s: %lu trades, %lu rejected, %lu "
			    "outside the range, %lu holes in the ids, %.2f s\n",
			    mdx_progname, z->path, tc.rows, tc.rejected,
			    tc.skipped, tc.holes,
			    (extract_real_ms() - t0) / 1000.0);
		extract_tcsv_end(&tc);
	} else {
		mdx_write(mdx_stdout(), c.out.data, c.out.len);
		if (mdx_verbose >= 1)
			fprintf(stderr, "%s: %s: %lu %s, %lu rejected, %lu "
			    "outside the range, %.2f s\n", mdx_progname,
			    z->path, c.rows, z->zk == ZIP_FUNDING ?
			    "funding events" : z->zk == ZIP_METRICS ?
			    "samples" : "candles", c.rejected, c.skipped,
			    (extract_real_ms() - t0) / 1000.0);
		extract_csv_end(&c);
	}
	if (a != NULL)
		archive_read_free(a);
	mdx_buf_free(&carry);
}

void
extract_run_archives(void)
{
	struct zipname *z = NULL;
	struct mdx_buf data = MDX_BUF_INIT;
	struct region whole = { NULL, 0, 0 };
	struct dirent *de;
	struct stat st;
	char fetched[MDX_TIME_BUFSZ];
	size_t nz = 0, i, len;
	DIR *d;
	int k;

	if (strcmp(opt.exchange, "binance") != 0 &&
	    (strcmp(opt.exchange, "bybit") != 0 || opt.kind != MDX_KIND_TRADES))
		mdx_usage("--archive reads Binance public-data archives and "
		    "Bybit trading-history files only");
	extract_fmt_time(extract_now_ms, fetched);
	for (k = 0; k < opt.narchives; k++) {
		if (stat(opt.archives[k], &st) == -1) {
			mdx_warn("cannot read '%s': %s", opt.archives[k],
			    strerror(errno));
			extract_fail(MDX_EX_IOERR);
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			z = mdx_realloc(z, (nz + 1) * sizeof(*z));
			z[nz].path = mdx_strdup(opt.archives[k]);
			if (zip_parse(&z[nz]) == -1 ||
			    z[nz].zk != zipkind_wanted()) {
				mdx_warn("bad archive name '%s' (-k %s wants "
				    "%s)", z[nz].path, mdx_kind_name(opt.kind),
				    zipkind_pattern(zipkind_wanted()));
				free(z[nz].path);
				extract_fail(MDX_EX_USAGE);
				continue;
			}
			nz++;
			continue;
		}
		if ((d = opendir(opt.archives[k])) == NULL) {
			mdx_warn("cannot read '%s': %s", opt.archives[k],
			    strerror(errno));
			extract_fail(MDX_EX_IOERR);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if ((len < 5 ||
			    strcmp(de->d_name + len - 4, ".zip") != 0) &&
			    (len < 8 ||
			    strcmp(de->d_name + len - 7, ".csv.gz") != 0))
				continue;
			z = mdx_realloc(z, (nz + 1) * sizeof(*z));
			mdx_buf_printf(&data, "%s/%s", opt.archives[k],
			    de->d_name);
			z[nz].path = mdx_buf_detach(&data, NULL);
			if (zip_parse(&z[nz]) == -1) {
				mdx_warn("skipping '%s': not named %s",
				    z[nz].path,
				    zipkind_pattern(zipkind_wanted()));
				free(z[nz].path);
				continue;
			}
			nz++;
		}
		closedir(d);
	}
	if (nz > 0)
		qsort(z, nz, sizeof(*z), zip_cmp);
	for (i = 0; i < nz; i++) {
		if (zip_wanted(&z[i]))
			import_zip(&z[i], &data, &whole, fetched);
		free(z[i].path);
	}
	free(z);
	mdx_buf_free(&data);
	region_free(&whole);
	mdx_writer_flush(mdx_stdout());
}
