/*
 * tap.h - a minimal TAP producer for the C unit tests.  Each test program
 * prints "1..N" at the end (done_testing) and exits non-zero if any test
 * failed, so prove reports it.
 *
 * Beside the checks, what several tests share: tables of cases (the _rows
 * checks), their random numbers, a child's stderr, a scratch directory
 * and the reading loop of the filter modes.
 */
#ifndef MDX_TAP_H
#define MDX_TAP_H

#include <sys/types.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx.h"

static int tap_n, tap_failed;

static int
tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))

static inline int
tap_is_str(const char *g, const char *w, const char *file, int line,
    const char *name)
{
	if (tap_ok(g != NULL && w != NULL && strcmp(g, w) == 0, file, line,
	    name))
		return 1;
	printf("#   got:  '%s'\n#   want: '%s'\n", g ? g : "(null)",
	    w ? w : "(null)");
	return 0;
}

static inline int
tap_is_int(long long g, long long w, const char *file, int line,
    const char *name)
{
	if (tap_ok(g == w, file, line, name))
		return 1;
	printf("#   got:  %lld\n#   want: %lld\n", g, w);
	return 0;
}

/* is_str(got, want, name): compares C strings and shows both on failure. */
#define is_str(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	tap_is_str(g_, w_, __FILE__, __LINE__, (name));			\
} while (0)

#define is_int(got, want, name) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	tap_is_int(g_, w_, __FILE__, __LINE__, (name));			\
} while (0)

/*
 * Table-driven tests: rows is an array of structs with the members in (or
 * a and b), want and name, for instance of the types below; each row is
 * one test point, is_str(fn(in), want, name), is_int(fn(in), want, name)
 * or is_int(fn(a, b), want, name), in the order of the table.  A failure
 * names the row besides the line.
 */
struct tap_str_row {
	const char *in, *want, *name;
};

struct tap_int_row {
	const char *in;
	long long want;
	const char *name;
};

struct tap_pair_row {
	const char *a, *b;
	long long want;
	const char *name;
};

#define TAP_NROWS(rows) (sizeof(rows) / sizeof((rows)[0]))

#define TAP_ROWS(rows, check) do {					\
	size_t r_;							\
	for (r_ = 0; r_ < TAP_NROWS(rows); r_++)			\
		if (!(check))						\
			printf("#   row %zu of %s\n", r_, #rows);	\
} while (0)

#define is_str_rows(fn, rows)						\
	TAP_ROWS(rows, tap_is_str(fn((rows)[r_].in), (rows)[r_].want,	\
	    __FILE__, __LINE__, (rows)[r_].name))
#define is_int_rows(fn, rows)						\
	TAP_ROWS(rows, tap_is_int(fn((rows)[r_].in), (rows)[r_].want,	\
	    __FILE__, __LINE__, (rows)[r_].name))
#define is_int_rows2(fn, rows)						\
	TAP_ROWS(rows, tap_is_int(fn((rows)[r_].a, (rows)[r_].b),	\
	    (rows)[r_].want, __FILE__, __LINE__, (rows)[r_].name))

/* xorshift64: the reproducible numbers of the randomised tests; the state
 * *x must not start at 0. */
static inline uint64_t
tap_xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Runs fn(arg) in a child process with its stderr on a pipe; returns the
 * child's exit status (0 when fn returns; -1 when it did not exit or there
 * was no pipe) with what it wrote to stderr, as a string, in msg.
 */
static inline int
tap_stderr_of(void (*fn)(void *), void *arg, char *msg, size_t msgsz)
{
	int fd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(fd[1], 2);
		fn(arg);
		_exit(0);
	}
	close(fd[1]);
	n = read(fd[0], msg, msgsz - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Makes the scratch directory dir, a mkdtemp() template, or bails out. */
static inline void
tap_scratch(char *dir)
{
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		exit(1);
	}
}

/* Removes the scratch directory and all in it. */
static inline void
tap_scratch_remove(const char *dir)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

/*
 * For the test programs' filter modes (test-json parse, test-ndjson cat):
 * reads r to its end, handing each good line with its place to fn;
 * reports a bad line on stderr, "bad line: REASON (at NAME:LINE)"; ends
 * the program with the reader's status when an input cannot be read.
 * Returns the number of bad lines, counting those fn refused (returned
 * nonzero for); *nlines, unless NULL, counts all the lines.
 */
static inline unsigned long
tap_each_line(struct mdx_reader *r,
    int (*fn)(const char *line, size_t len, struct mdx_pos pos, void *arg),
    void *arg, unsigned long *nlines)
{
	struct mdx_pos pos;
	const char *line;
	unsigned long bad = 0;
	size_t len;
	int rc;

	while ((rc = mdx_reader_next(r, &line, &len)) != MDX_RD_EOF) {
		if (rc == MDX_RD_ERR)
			mdx_die(mdx_reader_error_status(r), "%s",
			    mdx_reader_error(r));
		pos = mdx_reader_pos(r);
		if (nlines != NULL)
			++*nlines;
		if (rc == MDX_RD_LINE)
			bad += fn(line, len, pos, arg) != 0;
		else {
			mdx_warn("bad line: %s (at %s:%lu)",
			    mdx_reader_error(r), pos.name, pos.line);
			bad++;
		}
	}
	return bad;
}

static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
