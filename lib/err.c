/*
 * err.c - messages, exit statuses and allocation that cannot fail.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

const char *mdx_progname = "mdx";
int mdx_verbose = 1;

/* Whether a progress line (no newline yet) is on the terminal. */
static int progress_shown;

void
mdx_progress_line(int shown)
{
	progress_shown = shown;
}

const char *
mdx_exit_name(int status)
{
	switch (status) {
	case MDX_EX_OK:		return "ok";
	case MDX_EX_FAIL:	return "failure";
	case MDX_EX_USAGE:	return "usage";
	case MDX_EX_DATAERR:	return "bad input data";
	case MDX_EX_UNAVAILABLE: return "service unavailable";
	case MDX_EX_IOERR:	return "i/o error";
	case MDX_EX_TEMPFAIL:	return "temporary failure";
	case MDX_EX_CONFIG:	return "configuration error";
	default:		return "unknown";
	}
}

void
mdx_init(const char *argv0)
{
	const char *p, *v;

	if (argv0 != NULL && *argv0 != '\0') {
		p = strrchr(argv0, '/');
		mdx_progname = p != NULL ? p + 1 : argv0;
	}
	/*
	 * A parent (a shell under some service managers) may have left SIGPIPE
	 * ignored; a filter whose reader went away should end quietly.
	 */
	signal(SIGPIPE, SIG_DFL);
	if ((v = getenv("MDX_VERBOSE")) != NULL && *v != '\0')
		mdx_verbose = atoi(v);
}

static void
vmsg(const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	/* One write per message, so messages of concurrent programs do not
	 * interleave within a line. */
	n = snprintf(line, sizeof(line), "%s%s: ",
	    progress_shown ? "\r\033[K" : "", mdx_progname);
	progress_shown = 0;
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	n = strlen(line);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

void
mdx_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
mdx_die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

void
mdx_debug(const char *fmt, ...)
{
	va_list ap;

	if (mdx_verbose < 2)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int
mdx_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO);
}

void *
mdx_malloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		mdx_die(MDX_EX_FAIL, "out of memory");
	return p;
}

void *
mdx_calloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		mdx_die(MDX_EX_FAIL, "out of memory");
	return p;
}

void *
mdx_realloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		mdx_die(MDX_EX_FAIL, "out of memory");
	return p;
}

char *
mdx_strdup(const char *s)
{
	return mdx_strndup(s, strlen(s));
}

char *
mdx_strndup(const char *s, size_t n)
{
	char *p;

	p = mdx_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
mdx_errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

int
mdx_mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}
