/*
 * fuzz-credentials.c - the AWS shared credentials file as mdx-lake reads it
 * for S3 (s3_cred_parse() in tools/lake/lakestore.c, see mdx-lake(1)),
 * read from the input through fmemopen(), for the profile "default".
 *
 * Checked against a model written here (lines split on newlines, blanks
 * trimmed by hand):
 * - the file is refused exactly when a line holds a NUL byte, is a
 *   section header without its closing bracket, or is neither a comment,
 *   a header nor KEY = VALUE; the message names the file and the first
 *   such line, and nothing of the line's text;
 * - otherwise the key id, secret and token are the last values the
 *   "default" section gave them, or absent.
 */
#define _GNU_SOURCE		/* fmemopen() */
#include <string.h>

#include "fuzz.h"
#include "lake_int.h"

static const char in_path[] = "creds";

static void
fuzz_setup(void)
{
}

/* What the model makes of a file: its verdict and the values taken. */
struct model {
	int bad;
	unsigned long line;
	char *val[3];		/* akid, secret, token */
};

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims blanks before and blanks, CR and LF after [*s, *e). */
static void
model_trim(const char **s, const char **e)
{
	while (*s < *e && blank(**s))
		(*s)++;
	while (*e > *s && (blank((*e)[-1]) || (*e)[-1] == '\r' ||
	    (*e)[-1] == '\n'))
		(*e)--;
}

static int
eq(const char *s, const char *e, const char *word)
{
	return (size_t)(e - s) == strlen(word) && memcmp(s, word, e - s) == 0;
}

static void
model_run(const char *p, size_t n, struct model *m)
{
	static const char *keys[3] = { "aws_access_key_id",
	    "aws_secret_access_key", "aws_session_token" };
	const char *s, *e, *end = p + n, *nl, *ks, *ke, *vs, *ve;
	int in = 0, i;

	memset(m, 0, sizeof(*m));
	for (s = p; s < end; s = nl) {
		e = memchr(s, '\n', end - s);
		nl = e != NULL ? e + 1 : end;
		e = nl;
		m->line++;
		if (memchr(s, '\0', e - s) != NULL) {
			m->bad = 1;
			return;
		}
		model_trim(&s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (e[-1] != ']' || e - s < 2) {
				m->bad = 1;
				return;
			}
			ks = s + 1;
			ke = e - 1;
			model_trim(&ks, &ke);
			in = eq(ks, ke, "default");
			continue;
		}
		if ((ke = memchr(s, '=', e - s)) == NULL) {
			m->bad = 1;
			return;
		}
		ks = s;
		vs = ke + 1;
		ve = e;
		model_trim(&ks, &ke);
		model_trim(&vs, &ve);
		if (!in)
			continue;
		for (i = 0; i < 3; i++)
			if (eq(ks, ke, keys[i])) {
				free(m->val[i]);
				m->val[i] = strndup(vs, ve - vs);
			}
	}
}

static void
check_val(const char *what, const char *got, const char *want)
{
	FUZZ_CHECK((got == NULL) == (want == NULL) &&
	    (got == NULL || strcmp(got, want) == 0),
	    "%s: got \"%s\", the model \"%s\"", what, got ? got : "(none)",
	    want ? want : "(none)");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v[3] = { NULL, NULL, NULL }, why[512], want[64];
	struct model m;
	FILE *fp;
	int rc, i;

	/* fmemopen() wants a buffer of one byte or more. */
	if (size == 0 || size > 8192)
		return 0;
	if ((fp = fmemopen((void *)data, size, "r")) == NULL)
		abort();
	why[0] = '\0';
	rc = s3_cred_parse(fp, in_path, "default", &v[0], &v[1], &v[2], why,
	    sizeof(why));
	fclose(fp);
	model_run((const char *)data, size, &m);
	if (m.bad) {
		FUZZ_CHECK(rc == -1, "taken, but the model refuses line %lu",
		    m.line);
		snprintf(want, sizeof(want), "%s:%lu: ", in_path, m.line);
		FUZZ_CHECK(strncmp(why, want, strlen(want)) == 0,
		    "the message \"%s\" does not name %s", why, want);
		FUZZ_CHECK(strcmp(why + strlen(want), "a NUL byte") == 0 ||
		    strcmp(why + strlen(want), "a section header without its "
		    "closing \"]\"") == 0 || strcmp(why + strlen(want),
		    "not a section header or KEY = VALUE") == 0,
		    "an unexpected message \"%s\"", why);
	} else {
		FUZZ_CHECK(rc == 0, "refused (%s), but the model takes it",
		    why);
		check_val("aws_access_key_id", v[0], m.val[0]);
		check_val("aws_secret_access_key", v[1], m.val[1]);
		check_val("aws_session_token", v[2], m.val[2]);
	}
	for (i = 0; i < 3; i++) {
		free(v[i]);
		free(m.val[i]);
	}
	return 0;
}
