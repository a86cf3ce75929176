/*
 * buf.c - the growable buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "utf8.h"
#include "buf.h"

void
mdx_buf_init(struct mdx_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
mdx_buf_free(struct mdx_buf *b)
{
	free(b->data);
	mdx_buf_init(b);
}

void
mdx_buf_reset(struct mdx_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
mdx_buf_grow(struct mdx_buf *b, size_t n)
{
	size_t want;

	if (b->len + n + 1 <= b->cap)
		return;
	if (n > SIZE_MAX / 2 - b->len)
		mdx_die(MDX_EX_FAIL, "out of memory");
	want = b->cap ? b->cap : 64;
	while (want < b->len + n + 1)
		want *= 2;
	b->data = mdx_realloc(b->data, want);
	b->cap = want;
}

void
mdx_buf_add(struct mdx_buf *b, const void *p, size_t n)
{
	mdx_buf_grow(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
mdx_buf_addstr(struct mdx_buf *b, const char *s)
{
	mdx_buf_add(b, s, strlen(s));
}

void
mdx_buf_addch(struct mdx_buf *b, int c)
{
	mdx_buf_grow(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = '\0';
}

void
mdx_buf_vprintf(struct mdx_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	mdx_buf_grow(b, 64);
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		mdx_die(MDX_EX_FAIL, "bad format string");
	if ((size_t)n >= b->cap - b->len) {
		mdx_buf_grow(b, n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += n;
}

void
mdx_buf_printf(struct mdx_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mdx_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Appends valid UTF-8 text without NUL as the inside of a JSON string. */
static void
add_json_chars(struct mdx_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start;
	unsigned char c;

	for (i = start = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		mdx_buf_add(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"':  mdx_buf_add(b, "\\\"", 2); break;
		case '\\': mdx_buf_add(b, "\\\\", 2); break;
		case '\n': mdx_buf_add(b, "\\n", 2); break;
		case '\r': mdx_buf_add(b, "\\r", 2); break;
		case '\t': mdx_buf_add(b, "\\t", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };
			mdx_buf_add(b, e, 6);
		}
		}
	}
	mdx_buf_add(b, s + start, n - start);
}

/*
 * JSON text must be UTF-8, and a rejects stream quotes lines that are not,
 * so each invalid byte becomes U+FFFD and a NUL becomes \u0000: the output
 * is always valid JSON, whatever the input.
 */
void
mdx_buf_add_json_str(struct mdx_buf *b, const char *s, size_t n)
{
	long bad;
	size_t i;

	mdx_buf_grow(b, n + 2);
	b->data[b->len++] = '"';
	for (i = 0; i < n; ) {
		bad = mdx_utf8_check(s + i, n - i);
		if (bad < 0) {
			add_json_chars(b, s + i, n - i);
			break;
		}
		add_json_chars(b, s + i, (size_t)bad);
		i += (size_t)bad;
		if (s[i] == '\0')
			mdx_buf_add(b, "\\u0000", 6);
		else
			mdx_buf_add(b, "\\ufffd", 6);
		i++;
	}
	mdx_buf_addch(b, '"');
}

void
mdx_buf_add_json_kv(struct mdx_buf *b, int first, const char *key,
    const char *val)
{
	if (!first)
		mdx_buf_addch(b, ',');
	mdx_buf_add_json_str(b, key, strlen(key));
	mdx_buf_addch(b, ':');
	mdx_buf_add_json_str(b, val, strlen(val));
}

char *
mdx_buf_detach(struct mdx_buf *b, size_t *len)
{
	char *p;

	if (b->data == NULL)
		mdx_buf_grow(b, 0);
	p = b->data;
	if (len != NULL)
		*len = b->len;
	mdx_buf_init(b);
	return p;
}

char *
mdx_strfmt(const char *fmt, ...)
{
	struct mdx_buf b = MDX_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mdx_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return mdx_buf_detach(&b, NULL);
}
