/*
 * json.c - the JSON line parser.
 *
 * One pass over the text, recursive descent, strict RFC 8259: no trailing
 * commas, no leading zeros, no NaN or Infinity, no control characters in
 * strings, every escape checked (including \u surrogate pairs), strings
 * valid UTF-8.  Nodes point into the text; numbers keep their source text
 * and strings their raw content, so nothing is converted that the caller
 * does not ask for.
 *
 * Nodes live in chunks that are never moved or freed while the doc lives,
 * so the child and next pointers stay valid however many nodes a text
 * needs, and a doc reused line after line allocates nothing once its
 * chunks are large enough.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "err.h"
#include "utf8.h"
#include "buf.h"
#include "json.h"

#define JSON_MAXDEPTH 64
#define CHUNK_FIRST 64

struct chunk {
	struct chunk *next;
	size_t cap;
	struct mdx_json node[];
};

struct mdx_json_doc {
	struct chunk *first;
	struct chunk *cur;	/* the chunk nodes are taken from */
	size_t used;		/* nodes taken from cur */
	const char *s;		/* the text being parsed */
	const char *end;
	char err[128];
};

struct mdx_json_doc *
mdx_json_doc_new(void)
{
	struct mdx_json_doc *d;

	d = mdx_calloc(1, sizeof(*d));
	d->first = mdx_malloc(sizeof(struct chunk) +
	    CHUNK_FIRST * sizeof(struct mdx_json));
	d->first->next = NULL;
	d->first->cap = CHUNK_FIRST;
	return d;
}

void
mdx_json_doc_free(struct mdx_json_doc *d)
{
	struct chunk *c, *n;

	if (d == NULL)
		return;
	for (c = d->first; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(d);
}

const char *
mdx_json_error(const struct mdx_json_doc *d)
{
	return d->err;
}

static inline struct mdx_json *
node_new(struct mdx_json_doc *d, enum mdx_json_type type)
{
	struct mdx_json *v;
	struct chunk *c;

	if (d->used == d->cur->cap) {
		if (d->cur->next == NULL) {
			c = mdx_malloc(sizeof(struct chunk) +
			    d->cur->cap * 2 * sizeof(struct mdx_json));
			c->next = NULL;
			c->cap = d->cur->cap * 2;
			d->cur->next = c;
		}
		d->cur = d->cur->next;
		d->used = 0;
	}
	v = &d->cur->node[d->used++];
	*v = (struct mdx_json){ .type = type };
	return v;
}

static void *
fail(struct mdx_json_doc *d, const char *p, const char *fmt, ...)
    MDX_PRINTF(3, 4);

static void *
fail(struct mdx_json_doc *d, const char *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(d->err))
		snprintf(d->err + n, sizeof(d->err) - n, " at column %zu",
		    (size_t)(p - d->s) + 1);
	return NULL;
}

/* "unexpected character 'x'", or the end of the input. */
static void *
unexpected(struct mdx_json_doc *d, const char *p)
{
	unsigned char c;

	if (p >= d->end)
		return fail(d, p, "unexpected end of input");
	c = (unsigned char)*p;
	if (c > 0x20 && c < 0x7f)
		return fail(d, p, "unexpected character '%c'", c);
	return fail(d, p, "unexpected byte 0x%02x", c);
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' ||
	    *p == '\t'))
		p++;
	return p;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (end bounds them); -1 when not. */
static long
hex4(const char *p, const char *end)
{
	long v = 0;
	int i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/*
 * Decodes the escape sequence at p (the backslash) into a code point and
 * returns the byte after it, or NULL when it is invalid.  A \u escape of a
 * high surrogate must be followed by one of a low surrogate.
 */
static const char *
unescape1(const char *p, const char *end, long *cp)
{
	long hi, lo;

	if (end - p < 2)
		return NULL;
	switch (p[1]) {
	case '"':  *cp = '"'; return p + 2;
	case '\\': *cp = '\\'; return p + 2;
	case '/':  *cp = '/'; return p + 2;
	case 'b':  *cp = '\b'; return p + 2;
	case 'f':  *cp = '\f'; return p + 2;
	case 'n':  *cp = '\n'; return p + 2;
	case 'r':  *cp = '\r'; return p + 2;
	case 't':  *cp = '\t'; return p + 2;
	case 'u':
		break;
	default:
		return NULL;
	}
	if ((hi = hex4(p + 2, end)) < 0)
		return NULL;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return NULL;	/* a low surrogate alone */
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return p + 6;
	}
	if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
	    (lo = hex4(p + 8, end)) < 0 || lo < 0xdc00 || lo > 0xdfff)
		return NULL;	/* a high surrogate alone */
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return p + 12;
}

static int
utf8_put(char *o, long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * Skips the bytes of a string that need no attention: printable ASCII but
 * the quote and the backslash.  With SSE2 (always there on x86-64) sixteen
 * bytes are tested at a time: a signed comparison with 0x20 catches the
 * control characters and the non-ASCII bytes (negative as signed) at once.
 * Elsewhere eight bytes are tested at a time: each term below sets the
 * high bit of a byte that is a quote, a backslash, a control character or
 * non-ASCII.  A term may also mark bytes after a marked one (borrows run
 * upwards), never before, so the lowest marked byte is the first that
 * needs attention.  The tail is tested byte by byte, so nothing past end
 * is ever read.
 */
const char *
mdx_json_skip_plain(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	__m128i v;
	unsigned m;

	while (end - p >= 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, quote),
		    _mm_cmpeq_epi8(v, bslash)), _mm_cmplt_epi8(v, space)));
		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v, q, b, t;

	while (end - p >= 8) {
		memcpy(&v, p, 8);
		q = v ^ (ONES * '"');
		b = v ^ (ONES * '\\');
		t = ((q - ONES) & ~q) | ((b - ONES) & ~b) |
		    ((v - ONES * 0x20) & ~v) | v;
		if ((t &= HIGHS) != 0)
			return p + (__builtin_ctzll(t) >> 3);
		p += 8;
	}
#endif
	while (p < end && (unsigned char)*p >= 0x20 && *p != '"' &&
	    *p != '\\' && (unsigned char)*p < 0x80)
		p++;
	return p;
}

/*
 * Scans the string whose opening quote is at q.  Sets *text, *len and
 * *escaped to its raw content and returns the byte after the closing
 * quote, or NULL with the error set.
 */
static const char *
scan_string(struct mdx_json_doc *d, const char *q, const char **text,
    size_t *len, int *escaped)
{
	const char *p = q + 1, *end = d->end, *e;
	unsigned char c;
	long cp, bad;
	int esc = 0;

	for (;;) {
		p = mdx_json_skip_plain(p, end);
		if (p >= end)
			return fail(d, q, "unterminated string");
		c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c == '\\') {
			if ((e = unescape1(p, end, &cp)) == NULL) {
				if (end - p < 2)
					return fail(d, q,
					    "unterminated string");
				return fail(d, p, "invalid escape");
			}
			esc = 1;
			p = e;
			continue;
		}
		if (c < 0x20)
			return fail(d, p, "control character in string");
		/* Non-ASCII: one whole, valid UTF-8 sequence. */
		bad = mdx_utf8_check(p, end - p < 4 ? (size_t)(end - p) : 4);
		if (bad == 0)
			return fail(d, p, "invalid UTF-8 in string");
		p += c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	}
	*text = q + 1;
	*len = p - (q + 1);
	*escaped = esc;
	return p + 1;
}

static const char *
scan_number(struct mdx_json_doc *d, const char *p)
{
	const char *end = d->end, *s = p;

	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return fail(d, s, "invalid number");
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return fail(d, s, "invalid number (leading zero)");
	} else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(d, s, "invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(d, s, "invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *parse_value(struct mdx_json_doc *, const char *,
    struct mdx_json **, int);

/*
 * Parses the members of the array or object v, whose opening bracket is
 * at p, and returns the position after its closing one.  An object's
 * members are an array's with a key and a colon before each value.
 */
static const char *
parse_members(struct mdx_json_doc *d, const char *p, struct mdx_json *v,
    int depth)
{
	struct mdx_json *c, **tail = &v->child;
	const char *key = NULL;
	size_t keylen = 0;
	int esc, object = v->type == MDX_JSON_OBJECT;
	char close = object ? '}' : ']';

	p = skip_ws(p + 1, d->end);
	if (p < d->end && *p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if (p >= d->end || *p != '"')
				return unexpected(d, p);
			if ((p = scan_string(d, p, &key, &keylen,
			    &esc)) == NULL)
				return NULL;
			p = skip_ws(p, d->end);
			if (p >= d->end || *p != ':')
				return unexpected(d, p);
			p = skip_ws(p + 1, d->end);
		}
		if ((p = parse_value(d, p, &c, depth)) == NULL)
			return NULL;
		c->key = key;
		c->keylen = keylen;
		*tail = c;
		tail = &c->next;
		v->nchild++;
		p = skip_ws(p, d->end);
		if (p < d->end && *p == ',') {
			p = skip_ws(p + 1, d->end);
			continue;
		}
		if (p < d->end && *p == close)
			return p + 1;
		return unexpected(d, p);
	}
}

static const char *
literal(struct mdx_json_doc *d, const char *p, const char *word,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p + i >= d->end || p[i] != word[i])
			return unexpected(d, p + i);
	return p + n;
}

/* Parses the value at p (white space already skipped). */
static const char *
parse_value(struct mdx_json_doc *d, const char *p, struct mdx_json **out,
    int depth)
{
	struct mdx_json *v;
	const char *e;

	if (p >= d->end)
		return unexpected(d, p);
	switch (*p) {
	case '"':
		v = node_new(d, MDX_JSON_STRING);
		if ((e = scan_string(d, p, &v->text, &v->len,
		    &v->escaped)) == NULL)
			return NULL;
		break;
	case '{':
	case '[':
		if (depth >= JSON_MAXDEPTH)
			return fail(d, p, "nesting deeper than %d",
			    JSON_MAXDEPTH);
		v = node_new(d, *p == '{' ? MDX_JSON_OBJECT : MDX_JSON_ARRAY);
		v->text = p;
		if ((e = parse_members(d, p, v, depth + 1)) == NULL)
			return NULL;
		v->len = e - p;
		break;
	case 't':
		v = node_new(d, MDX_JSON_TRUE);
		if ((e = literal(d, p, "true", 4)) == NULL)
			return NULL;
		break;
	case 'f':
		v = node_new(d, MDX_JSON_FALSE);
		if ((e = literal(d, p, "false", 5)) == NULL)
			return NULL;
		break;
	case 'n':
		v = node_new(d, MDX_JSON_NULL);
		if ((e = literal(d, p, "null", 4)) == NULL)
			return NULL;
		break;
	default:
		if (*p != '-' && (*p < '0' || *p > '9'))
			return unexpected(d, p);
		v = node_new(d, MDX_JSON_NUMBER);
		if ((e = scan_number(d, p)) == NULL)
			return NULL;
		break;
	}
	if (v->type != MDX_JSON_STRING && v->type != MDX_JSON_ARRAY &&
	    v->type != MDX_JSON_OBJECT) {
		v->text = p;
		v->len = e - p;
	}
	*out = v;
	return e;
}

struct mdx_json *
mdx_json_parse(struct mdx_json_doc *d, const char *s, size_t n)
{
	struct mdx_json *root;
	const char *p;

	d->cur = d->first;
	d->used = 0;
	d->s = s;
	d->end = s + n;
	d->err[0] = '\0';
	p = skip_ws(s, d->end);
	if (p >= d->end) {
		snprintf(d->err, sizeof(d->err), "empty JSON text");
		return NULL;
	}
	if ((p = parse_value(d, p, &root, 0)) == NULL)
		return NULL;
	p = skip_ws(p, d->end);
	if (p < d->end)
		return fail(d, p, "trailing characters");
	return root;
}

struct mdx_json *
mdx_json_at(const struct mdx_json *arr, unsigned i)
{
	struct mdx_json *c;

	if (arr == NULL || arr->type != MDX_JSON_ARRAY || i >= arr->nchild)
		return NULL;
	for (c = arr->child; i > 0; i--)
		c = c->next;
	return c;
}

/*
 * Whether the raw JSON string content raw[0..n) equals s[0..sn) once its
 * escapes are undone.
 */
static int
raw_eq(const char *raw, size_t n, const char *s, size_t sn)
{
	const char *p = raw, *end = raw + n;
	char u[4];
	long cp;
	int k;

	while (p < end) {
		if (*p != '\\') {
			if (sn == 0 || *s != *p)
				return 0;
			s++, sn--, p++;
			continue;
		}
		if ((p = unescape1(p, end, &cp)) == NULL)
			return 0;
		k = utf8_put(u, cp);
		if ((size_t)k > sn || memcmp(u, s, k) != 0)
			return 0;
		s += k;
		sn -= k;
	}
	return sn == 0;
}

struct mdx_json *
mdx_json_get(const struct mdx_json *obj, const char *key)
{
	struct mdx_json *c;
	size_t n;

	if (obj == NULL || obj->type != MDX_JSON_OBJECT)
		return NULL;
	n = strlen(key);
	for (c = obj->child; c != NULL; c = c->next) {
		if (c->keylen == n && memcmp(c->key, key, n) == 0)
			return c;
		/* Escapes only ever make the raw text longer. */
		if (c->keylen > n && memchr(c->key, '\\', c->keylen) != NULL &&
		    raw_eq(c->key, c->keylen, key, n))
			return c;
	}
	return NULL;
}

const char *
mdx_json_str(const struct mdx_json *v, struct mdx_buf *buf)
{
	const char *p, *end, *q;
	long cp;

	mdx_buf_reset(buf);
	if (v == NULL || v->type != MDX_JSON_STRING)
		return NULL;
	if (!v->escaped) {
		mdx_buf_add(buf, v->text, v->len);
		return buf->data;
	}
	mdx_buf_grow(buf, v->len);
	p = v->text;
	end = v->text + v->len;
	while (p < end) {
		if ((q = memchr(p, '\\', end - p)) == NULL)
			q = end;
		memcpy(buf->data + buf->len, p, q - p);
		buf->len += q - p;
		if ((p = q) == end)
			break;
		if ((p = unescape1(p, end, &cp)) == NULL) {
			mdx_buf_reset(buf);
			return NULL;
		}
		/* Every escape is at least as long as its UTF-8 form. */
		buf->len += utf8_put(buf->data + buf->len, cp);
	}
	buf->data[buf->len] = '\0';
	return buf->data;
}

int
mdx_json_str_eq(const struct mdx_json *v, const char *s)
{
	size_t n;

	if (v == NULL || v->type != MDX_JSON_STRING)
		return 0;
	n = strlen(s);
	if (!v->escaped)
		return v->len == n && memcmp(v->text, s, n) == 0;
	return raw_eq(v->text, v->len, s, n);
}

int
mdx_json_int(const struct mdx_json *v, int64_t *out)
{
	const char *p, *end;
	uint64_t acc = 0, lim;
	int neg = 0;

	if (v == NULL)
		return -1;
	if (v->type != MDX_JSON_NUMBER &&
	    (v->type != MDX_JSON_STRING || v->escaped))
		return -1;
	p = v->text;
	end = p + v->len;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;	/* a fraction, an exponent, a letter */
		if (acc > (lim - (*p - '0')) / 10)
			return -1;	/* overflow */
		acc = acc * 10 + (*p - '0');
	}
	if (neg)
		*out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)acc;
	else
		*out = (int64_t)acc;
	return 0;
}

void
mdx_json_dump(const struct mdx_json *v, struct mdx_buf *buf)
{
	const struct mdx_json *c;

	switch (v->type) {
	case MDX_JSON_STRING:
		mdx_buf_grow(buf, v->len + 2);
		buf->data[buf->len++] = '"';
		memcpy(buf->data + buf->len, v->text, v->len);
		buf->len += v->len;
		buf->data[buf->len++] = '"';
		buf->data[buf->len] = '\0';
		break;
	case MDX_JSON_ARRAY:
	case MDX_JSON_OBJECT:
		mdx_buf_addch(buf, v->type == MDX_JSON_ARRAY ? '[' : '{');
		for (c = v->child; c != NULL; c = c->next) {
			if (c != v->child)
				mdx_buf_addch(buf, ',');
			if (v->type == MDX_JSON_OBJECT) {
				mdx_buf_addch(buf, '"');
				mdx_buf_add(buf, c->key, c->keylen);
				mdx_buf_add(buf, "\":", 2);
			}
			mdx_json_dump(c, buf);
		}
		mdx_buf_addch(buf, v->type == MDX_JSON_ARRAY ? ']' : '}');
		break;
	default:
		mdx_buf_add(buf, v->text, v->len);
		break;
	}
}
