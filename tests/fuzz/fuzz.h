/*
 * fuzz.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * A target checks properties of the library (round trips, invariants,
 * agreement with an independent model) as well as memory safety.  A
 * broken property is reported as a crash, with the input, so libFuzzer
 * saves it and the sanitizers' stack trace shows where it was found.
 */
#ifndef MDX_FUZZ_H
#define MDX_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* What a target keeps between inputs, set up once; each target defines
 * it, empty when there is nothing to set up. */
static void fuzz_setup(void);

/* Before the first input: the program is named after the target (its
 * argv[0]), then set up. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	mdx_init((*argv)[0]);
	fuzz_setup();
	return 0;
}

/* Prints a buffer so that control bytes and non-ASCII stay readable. */
static inline void
fuzz_show(const char *what, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	fprintf(stderr, "  %s (%zu bytes): \"", what, n);
	for (i = 0; i < n && i < 600; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			fputc(s[i], stderr);
		else
			fprintf(stderr, "\\x%02x", s[i]);
	}
	fprintf(stderr, "%s\"\n", i < n ? "..." : "");
}

/* A broken property: say which, then crash so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz: property broken at %s:%d: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, "  " __VA_ARGS__);			\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/*
 * Whether a JSON string or number node holds a decimal greater than zero,
 * decided from its text alone, without lib/dec.c: no minus sign, and a
 * digit other than 0 before any exponent.  A model independent of the
 * decimal parser, for the targets that check that no accepted price or
 * size is zero or negative.
 */
static inline int
fuzz_text_positive(const struct mdx_json *v)
{
	size_t i;
	int nonzero = 0;

	if (v == NULL || (v->type != MDX_JSON_STRING &&
	    v->type != MDX_JSON_NUMBER) || v->len == 0 || v->text[0] == '-')
		return 0;
	for (i = 0; i < v->len; i++) {
		if (v->text[i] == 'e' || v->text[i] == 'E')
			break;
		if (v->text[i] >= '1' && v->text[i] <= '9')
			nonzero = 1;
		else if (v->text[i] != '0' && v->text[i] != '.' &&
		    !(i == 0 && v->text[i] == '+'))
			return 0;
	}
	return nonzero;
}

/*
 * Whether an RFC 3339 string node starts with a year of 1970 to 9999,
 * read from its digits alone (the range of MDX_TIME_STORABLE; an offset
 * could carry an instant over a year's edge, which the caller allows for
 * when it matters).
 */
static inline int
fuzz_text_year_ok(const struct mdx_json *v)
{
	int y, i;

	if (v == NULL || v->type != MDX_JSON_STRING || v->len < 5 ||
	    v->text[4] != '-')
		return 0;
	for (i = 0, y = 0; i < 4; i++) {
		if (v->text[i] < '0' || v->text[i] > '9')
			return 0;
		y = y * 10 + (v->text[i] - '0');
	}
	return y >= 1969 && y <= 9999;
}

#endif
