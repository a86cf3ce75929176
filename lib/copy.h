/*
 * copy.h - COPY text rows (copy.c), for bulk loads into the warehouse.  In
 * COPY's text format backslash, tab, newline and carriage return are
 * escaped and \N is NULL; fields are separated by tabs, rows end with a
 * newline.
 */
#ifndef MDX_COPY_H
#define MDX_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dec.h"
#include "utc.h"

/* Appends s[0..n) escaped as the content of one field. */
void mdx_copy_text(struct mdx_buf *b, const char *s, size_t n);
/* Appends a tab and the decimal, or a tab and \N when !present. */
void mdx_copy_dec(struct mdx_buf *b, const mdx_dec *d, int present);

/*
 * COPY binary rows (FORMAT binary): a stream is MDX_COPY_BIN_HEADER, then
 * rows, each a 16-bit field count and the fields, then
 * MDX_COPY_BIN_TRAILER.  A field is its 32-bit length (-1 for NULL) and
 * the value in the type's binary form, big-endian.  The server parses
 * none of it, which makes a bulk load much cheaper than the text format.
 */
#define MDX_COPY_BIN_HEADER "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0"
#define MDX_COPY_BIN_HEADER_LEN 19
#define MDX_COPY_BIN_TRAILER "\377\377"
#define MDX_COPY_BIN_TRAILER_LEN 2
/* A row's field count. */
void mdx_copy_bin_row(struct mdx_buf *b, int nfields);
void mdx_copy_bin_null(struct mdx_buf *b);
/* bigint, integer, boolean, text (s[0..n), UTF-8) fields. */
void mdx_copy_bin_int8(struct mdx_buf *b, int64_t v);
void mdx_copy_bin_int4(struct mdx_buf *b, int32_t v);
void mdx_copy_bin_bool(struct mdx_buf *b, int v);
void mdx_copy_bin_text(struct mdx_buf *b, const char *s, size_t n);
/* A timestamptz field. */
void mdx_copy_bin_time(struct mdx_buf *b, mdx_time t);
/* A numeric field: the decimal exactly, its scale kept as the numeric's
 * display scale, its base-10000 digits without leading or trailing zero
 * digits (the form PostgreSQL stores and sends). */
void mdx_copy_bin_dec(struct mdx_buf *b, const mdx_dec *d);
/* Reading binary COPY fields (COPY TO in binary, or binary results):
 * an n-byte big-endian integer (cast it to the signed type of the field);
 * a timestamptz as Unix milliseconds (microseconds floored); a numeric of
 * len bytes as an mdx_dec, exactly what mdx_dec_parse() makes of its text,
 * scale included: returns 0, or -1 for bytes that are not a numeric an
 * mdx_dec can hold. */
uint64_t mdx_copy_bin_get(const void *p, size_t n);
mdx_time mdx_copy_bin_get_time(const void *p);
int mdx_copy_bin_get_dec(const void *p, size_t len, mdx_dec *out);

#endif /* MDX_COPY_H */
