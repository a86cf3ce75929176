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

#endif
