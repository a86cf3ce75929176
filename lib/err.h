/*
 * err.h - how an mdx program fails: the exit statuses every program shares, its
 * messages on stderr, and allocation that cannot fail.  Every module and
 * program includes it.
 */
#ifndef MDX_ERR_H
#define MDX_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define MDX_VERSION "0.1.0"

#if defined(__GNUC__)
#define MDX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MDX_NORETURN __attribute__((noreturn))
#else
#define MDX_PRINTF(f, a)
#define MDX_NORETURN
#endif

/*
 * Exit status.  One table for every program; man/mdx.7 documents it.
 */
enum mdx_exit {
	MDX_EX_OK = 0,		/* success */
	MDX_EX_FAIL = 1,	/* any other failure */
	MDX_EX_USAGE = 64,	/* bad command line */
	MDX_EX_DATAERR = 65,	/* bad input data */
	MDX_EX_UNAVAILABLE = 69, /* a service (database, exchange, S3) refused */
	MDX_EX_IOERR = 74,	/* reading or writing a file or stream failed */
	MDX_EX_TEMPFAIL = 75,	/* temporary failure: a rerun may succeed */
	MDX_EX_CONFIG = 78	/* configuration error */
};

/* Returns a short lowercase name for an exit status ("usage", "tempfail"). */
const char *mdx_exit_name(int status);

/*
 * Errors and logging.
 *
 * Messages go to stderr as "PROGNAME: message".  Call mdx_init() first in
 * main(): it records the program name, restores the default SIGPIPE action
 * (so that a closed pipe ends the program quietly, as with any Unix filter)
 * and reads MDX_VERBOSE.
 */
extern const char *mdx_progname;
extern int mdx_verbose;	/* 0 quiet, 1 normal (default), 2 debug */

void mdx_init(const char *argv0);

/* Prints "PROGNAME: message" on stderr. */
void mdx_warn(const char *fmt, ...) MDX_PRINTF(1, 2);

/* Prints "PROGNAME: message" on stderr and exits with status. */
void mdx_die(int status, const char *fmt, ...) MDX_PRINTF(2, 3) MDX_NORETURN;

/* Prints only when mdx_verbose >= 2 (-v twice, or MDX_VERBOSE=2). */
void mdx_debug(const char *fmt, ...) MDX_PRINTF(1, 2);

/*
 * Formats a reason into err[errsz] and returns -1: the one-line failure
 * report of functions that leave the wording of an error to their caller.
 */
int mdx_errf(char *err, size_t errsz, const char *fmt, ...) MDX_PRINTF(3, 4);

/* Creates the directories of path up to its last slash (path is changed
 * and restored); 0 ok, -1 with errno set. */
int mdx_mkdirs(char *path);

/* Whether stderr is a terminal; progress output is shown only then. */
int mdx_stderr_is_tty(void);

/*
 * A progress line is drawn on the terminal with "\r" and no newline.  A
 * program that leaves one there calls mdx_progress_line(1), and
 * mdx_progress_line(0) once it has ended the line; the next message
 * (mdx_warn, mdx_die, mdx_debug) while one is there first clears it
 * ("\r\033[K"), so that the message starts on a line of its own and the
 * next progress line is drawn below it.
 */
void mdx_progress_line(int shown);

/* Allocation that ends the program (exit 1) when memory is exhausted. */
void *mdx_malloc(size_t n);
void *mdx_calloc(size_t n, size_t size);
void *mdx_realloc(void *p, size_t n);
char *mdx_strdup(const char *s);
char *mdx_strndup(const char *s, size_t n);

/*
 * An input position: a file name ("stdin" for standard input) and a 1-based
 * line number.  Messages about input print it as "(at NAME:LINE)".
 */
struct mdx_pos {
	const char *name;
	unsigned long line;
};

#endif /* MDX_ERR_H */
