/*
 * json.h - the JSON line parser.
 *
 * A small, fast parser for one JSON text (one NDJSON line) into a tree of
 * nodes that point into the line.  Numbers are kept as their source text,
 * so decimals are never rounded through double.  Strings are kept raw
 * (escapes undone on demand by mdx_json_str()).  Nesting depth is limited
 * to 64.
 */
#ifndef MDX_JSON_H
#define MDX_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum mdx_json_type {
	MDX_JSON_NULL,
	MDX_JSON_FALSE,
	MDX_JSON_TRUE,
	MDX_JSON_NUMBER,
	MDX_JSON_STRING,
	MDX_JSON_ARRAY,
	MDX_JSON_OBJECT
};

struct mdx_json {
	enum mdx_json_type type;
	const char *key;	/* raw key text when the parent is an object */
	size_t keylen;
	const char *text;	/* number: its text; string: raw content
				   between the quotes, escapes not undone;
				   array, object: its whole source text,
				   brackets included; literals: their text */
	size_t len;
	int escaped;		/* string contains backslash escapes */
	unsigned nchild;	/* array or object: number of children */
	struct mdx_json *child;	/* first child */
	struct mdx_json *next;	/* next sibling */
};

struct mdx_json_doc;	/* owns the nodes; reuse it line after line */

struct mdx_json_doc *mdx_json_doc_new(void);
void mdx_json_doc_free(struct mdx_json_doc *d);

/*
 * Parses s[0..n).  Returns the root, or NULL with a reason ("unexpected
 * character 'x' at column 17", "unterminated string at column 3",
 * "trailing characters at column 40"; columns count bytes from 1) in
 * mdx_json_error(d).  Any value may be the root.  The nodes stay valid until
 * the next parse with the same doc; s must stay unchanged meanwhile.
 * Strings must be valid UTF-8; s need not be NUL-terminated.
 */
struct mdx_json *mdx_json_parse(struct mdx_json_doc *d, const char *s,
    size_t n);
const char *mdx_json_error(const struct mdx_json_doc *d);
/*
 * The first byte in p[0..end) that a JSON string scanner must look at: a
 * quote, a backslash, a control character or a non-ASCII byte; end when
 * there is none.  Never reads past end.
 */
const char *mdx_json_skip_plain(const char *p, const char *end);

/* The member named key of an object, or NULL. */
struct mdx_json *mdx_json_get(const struct mdx_json *obj, const char *key);
/* The i-th element of an array (0-based), or NULL. */
struct mdx_json *mdx_json_at(const struct mdx_json *arr, unsigned i);
/*
 * The value of a string node with escapes undone, in buf (reset first);
 * returns buf->data, or NULL if the node is not a string or holds an
 * invalid escape.
 */
const char *mdx_json_str(const struct mdx_json *v, struct mdx_buf *buf);
/* Whether a string node equals the C string s (escapes undone). */
int mdx_json_str_eq(const struct mdx_json *v, const char *s);
/* An integer from a number without fraction or exponent, or a string
 * holding an optional '-' and digits; 0 ok, -1 not one or out of int64_t
 * range. */
int mdx_json_int(const struct mdx_json *v, int64_t *out);
/* Appends the node re-serialised compactly (its exact source text for
 * scalars) to buf. */
void mdx_json_dump(const struct mdx_json *v, struct mdx_buf *buf);

#endif /* MDX_JSON_H */
