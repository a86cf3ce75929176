/*
 * fuzz-json.c - the JSON line parser (lib/json.c).
 *
 * For any input:
 * - mdx_json_parse() either fails with a reason, or returns a tree whose
 *   node counts, mdx_json_at() and mdx_json_get() agree with its children;
 * - a parsed text dumps to the input with the white space between tokens
 *   removed (scalars keep their source text), and that dump parses again
 *   and dumps to the same bytes;
 * - jansson, an independent parser, accepts exactly the same texts (but
 *   for its number range and our nesting limit) and decodes every string
 *   and key to the same bytes as mdx_json_str();
 * - mdx_json_int() agrees with a plain digit check and strtoll(), and
 *   every JSON number is a decimal for mdx_dec_from_json().
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"

static struct mdx_json_doc *doc1, *doc2;
static struct mdx_buf dump1, dump2, sbuf, kbuf;

static void
fuzz_setup(void)
{
	doc1 = mdx_json_doc_new();
	doc2 = mdx_json_doc_new();
}

/* The input without the white space outside strings: what the dump of a
 * valid text must be. */
static void
strip_ws(const char *s, size_t n, struct mdx_buf *out)
{
	size_t i;
	int in = 0;

	mdx_buf_reset(out);
	for (i = 0; i < n; i++) {
		if (in) {
			mdx_buf_addch(out, s[i]);
			if (s[i] == '\\' && i + 1 < n)
				mdx_buf_addch(out, s[++i]);
			else if (s[i] == '"')
				in = 0;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			continue;
		if (s[i] == '"')
			in = 1;
		mdx_buf_addch(out, s[i]);
	}
}

/* The oracle for mdx_json_int(): an optional '-', digits, in range. */
static int
int_oracle(const char *s, size_t n, int64_t *v)
{
	char tmp[64];
	size_t i = 0;
	long long x;

	if (n > 0 && s[0] == '-')
		i = 1;
	if (i == n)
		return -1;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (n >= sizeof(tmp))
		return -2;	/* too long for tmp; leading zeros make it
				   undecidable here, so not checked */
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	x = strtoll(tmp, NULL, 10);
	if (errno == ERANGE)
		return -1;
	*v = x;
	return 0;
}

static void
check_int(const struct mdx_json *v)
{
	int64_t got = 0, want = 0;
	int rc, orc;

	rc = mdx_json_int(v, &got);
	orc = int_oracle(v->text, v->len, &want);
	if (orc == -2)
		return;		/* a very long digit string: out of range */
	FUZZ_CHECK(rc == orc, "mdx_json_int says %d, oracle %d", rc, orc);
	if (rc == 0)
		FUZZ_CHECK(got == want, "mdx_json_int %lld, want %lld",
		    (long long)got, (long long)want);
}

/* Whether the key of child c occurs again later in its object. */
static int
key_repeats(const struct mdx_json *c, const char *key, size_t n)
{
	struct mdx_buf b = MDX_BUF_INIT;
	const struct mdx_json *o;
	const char *k;
	int rep = 0;

	for (o = c->next; o != NULL && !rep; o = o->next) {
		struct mdx_json tmp = { .type = MDX_JSON_STRING,
		    .text = o->key, .len = o->keylen, .escaped = 1 };

		k = mdx_json_str(&tmp, &b);
		FUZZ_CHECK(k != NULL, "a later key does not decode");
		rep = b.len == n && memcmp(k, key, n) == 0;
	}
	mdx_buf_free(&b);
	return rep;
}

/* Our types, with their names and jansson's (two for a number). */
static const struct {
	const char *name;
	json_type type, type2;
} types[] = {
	[MDX_JSON_NULL] = { "null", JSON_NULL, JSON_NULL },
	[MDX_JSON_FALSE] = { "false", JSON_FALSE, JSON_FALSE },
	[MDX_JSON_TRUE] = { "true", JSON_TRUE, JSON_TRUE },
	[MDX_JSON_NUMBER] = { "number", JSON_INTEGER, JSON_REAL },
	[MDX_JSON_STRING] = { "string", JSON_STRING, JSON_STRING },
	[MDX_JSON_ARRAY] = { "array", JSON_ARRAY, JSON_ARRAY },
	[MDX_JSON_OBJECT] = { "object", JSON_OBJECT, JSON_OBJECT },
};

/* Walks our tree and jansson's side by side. */
static void
walk(const struct mdx_json *v, json_t *j)
{
	const struct mdx_json *c, *g, *e;
	const char *s;
	unsigned n;
	mdx_dec d;

	FUZZ_CHECK(j != NULL, "%s: jansson has no value", types[v->type].name);
	FUZZ_CHECK(json_typeof(j) == types[v->type].type ||
	    json_typeof(j) == types[v->type].type2, "%s: jansson type %d",
	    types[v->type].name, json_typeof(j));
	switch (v->type) {
	case MDX_JSON_NULL:
	case MDX_JSON_TRUE:
	case MDX_JSON_FALSE:
		break;
	case MDX_JSON_NUMBER:
		FUZZ_CHECK(mdx_dec_from_json(&d, v) != MDX_DEC_SYNTAX,
		    "a JSON number is not a decimal: %.*s", (int)v->len,
		    v->text);
		check_int(v);
		break;
	case MDX_JSON_STRING:
		s = mdx_json_str(v, &sbuf);
		FUZZ_CHECK(s != NULL, "a parsed string does not decode");
		FUZZ_CHECK(sbuf.len == json_string_length(j) &&
		    memcmp(s, json_string_value(j), sbuf.len) == 0,
		    "string decodes differently from jansson");
		if (strlen(s) == sbuf.len)
			FUZZ_CHECK(mdx_json_str_eq(v, s),
			    "mdx_json_str_eq is false for its own value");
		if (!v->escaped)
			check_int(v);
		break;
	case MDX_JSON_ARRAY:
		for (n = 0, c = v->child; c != NULL; c = c->next, n++) {
			FUZZ_CHECK(mdx_json_at(v, n) == c, "mdx_json_at(%u)",
			    n);
			walk(c, json_array_get(j, n));
		}
		FUZZ_CHECK(n == v->nchild, "nchild %u, children %u",
		    v->nchild, n);
		FUZZ_CHECK(n == json_array_size(j), "array size %u, "
		    "jansson %zu", n, json_array_size(j));
		FUZZ_CHECK(mdx_json_at(v, n) == NULL, "mdx_json_at past end");
		break;
	case MDX_JSON_OBJECT:
		for (n = 0, c = v->child; c != NULL; c = c->next, n++) {
			struct mdx_json key = { .type = MDX_JSON_STRING,
			    .text = c->key, .len = c->keylen, .escaped = 1 };
			json_t *jv;

			FUZZ_CHECK(c->key != NULL, "member without a key");
			s = mdx_json_str(&key, &kbuf);
			FUZZ_CHECK(s != NULL, "a parsed key does not decode");
			jv = json_object_getn(j, s, kbuf.len);
			FUZZ_CHECK(jv != NULL, "jansson lacks a key we have");
			if (strlen(s) == kbuf.len) {
				/* The first member of that name. */
				g = mdx_json_get(v, s);
				FUZZ_CHECK(g != NULL, "mdx_json_get misses a key");
				for (e = v->child; e != c && e != g;
				    e = e->next)
					;
				FUZZ_CHECK(e == g, "mdx_json_get found a later "
				    "member, not the first");
			}
			/* jansson keeps the last of repeated keys. */
			if (!key_repeats(c, kbuf.data, kbuf.len))
				walk(c, jv);
		}
		FUZZ_CHECK(n == v->nchild, "nchild %u, children %u",
		    v->nchild, n);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mdx_json *root, *root2;
	struct mdx_buf want = MDX_BUF_INIT;
	json_error_t jerr;
	json_t *j;

	root = mdx_json_parse(doc1, s, size);
	j = json_loadb(s, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		FUZZ_CHECK(mdx_json_error(doc1)[0] != '\0',
		    "parse failed without a reason");
		/* jansson takes a NUL byte for the end of the text. */
		FUZZ_CHECK(j == NULL || strstr(mdx_json_error(doc1),
		    "nesting deeper") != NULL || memchr(s, 0, size) != NULL,
		    "jansson accepts what we reject: %s",
		    mdx_json_error(doc1));
		json_decref(j);
		return 0;
	}
	/* jansson's limits: the range of its numbers, no NUL in keys. */
	FUZZ_CHECK(j != NULL || strstr(jerr.text, "too big") != NULL ||
	    strstr(jerr.text, "overflow") != NULL ||
	    strstr(jerr.text, "NUL byte in object key") != NULL,
	    "we accept what jansson rejects: %s", jerr.text);

	mdx_buf_reset(&dump1);
	mdx_json_dump(root, &dump1);
	strip_ws(s, size, &want);
	if (want.len != dump1.len || memcmp(want.data, dump1.data,
	    want.len) != 0) {
		fuzz_show("dump", dump1.data, dump1.len);
		fuzz_show("want", want.data, want.len);
		FUZZ_CHECK(0, "dump is not the input without white space");
	}
	mdx_buf_free(&want);

	root2 = mdx_json_parse(doc2, dump1.data, dump1.len);
	FUZZ_CHECK(root2 != NULL, "dump does not parse again: %s",
	    mdx_json_error(doc2));
	mdx_buf_reset(&dump2);
	mdx_json_dump(root2, &dump2);
	FUZZ_CHECK(dump1.len == dump2.len &&
	    memcmp(dump1.data, dump2.data, dump1.len) == 0,
	    "dump of the dump differs");

	if (j != NULL) {
		walk(root, j);
		json_decref(j);
	}
	return 0;
}
