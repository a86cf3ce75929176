/*
 * buf.h - the growable buffer.  The one buffer type of the project: build
 * strings, JSON lines and request bodies in it.  data is always
 * NUL-terminated after any mdx_buf_* call, so it can be used as a C string
 * when it holds text.
 */
#ifndef MDX_BUF_H
#define MDX_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct mdx_buf {
	char *data;
	size_t len;
	size_t cap;
};

#define MDX_BUF_INIT { NULL, 0, 0 }

void mdx_buf_init(struct mdx_buf *b);
void mdx_buf_free(struct mdx_buf *b);
/* Empties the buffer but keeps its memory. */
void mdx_buf_reset(struct mdx_buf *b);
/* Makes room for at least n more bytes (plus the terminating NUL). */
void mdx_buf_grow(struct mdx_buf *b, size_t n);
void mdx_buf_add(struct mdx_buf *b, const void *p, size_t n);
void mdx_buf_addstr(struct mdx_buf *b, const char *s);
void mdx_buf_addch(struct mdx_buf *b, int c);
void mdx_buf_printf(struct mdx_buf *b, const char *fmt, ...) MDX_PRINTF(2, 3);
void mdx_buf_vprintf(struct mdx_buf *b, const char *fmt, va_list ap);
/* Appends s (n bytes) as a JSON string, quotes included. */
void mdx_buf_add_json_str(struct mdx_buf *b, const char *s, size_t n);
/* Appends "KEY":"VALUE" (both escaped), preceded by a comma if not first. */
void mdx_buf_add_json_kv(struct mdx_buf *b, int first, const char *key,
    const char *val);
/* Detaches the data (the caller frees it) and leaves the buffer empty. */
char *mdx_buf_detach(struct mdx_buf *b, size_t *len);
/* Returns a new string formatted as by printf(3), which the caller frees:
 * what a buffer printed into and detached at once holds. */
char *mdx_strfmt(const char *fmt, ...) MDX_PRINTF(1, 2);

#endif /* MDX_BUF_H */
