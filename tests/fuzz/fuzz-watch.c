/*
 * fuzz-watch.c - the watchlist (mdx_watchlist_read_fp(), the reader of
 * mdx_watchlist_read() in lib/watch.c, see mdx-watchlist(5)), read from
 * the input through fmemopen().
 *
 * Checked:
 * - the file is taken whole or not at all: a count of entries, or -1
 *   after one message per bad line, each naming the file and its line;
 * - every entry taken names an exchange and market mdx knows, a symbol
 *   of letters, digits and "-_./:" (a model written here), at most
 *   MDX_WATCH_MAXIV intervals, none twice, and the line it came from;
 *   no two entries name the same instrument;
 * - written back as a watchlist (one entry a line, the intervals joined
 *   with commas), the entries are read again the same.
 */
#define _GNU_SOURCE		/* memfd_create() */
#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "watch.h"

static int err_fd, saved_err;
static const char in_path[] = "watchlist";
static struct mdx_buf text, msgs;

static void
fuzz_setup(void)
{
	if ((err_fd = memfd_create("messages", 0)) == -1)
		abort();
}

/* Reads the watchlist in p[0..n) with its messages in msgs. */
static int
read_list(const void *p, size_t n, struct mdx_watch **w)
{
	char buf[4096];
	ssize_t k;
	off_t off = 0;
	FILE *fp;
	int rv;

	if ((fp = fmemopen((void *)p, n, "r")) == NULL ||
	    ftruncate(err_fd, 0) == -1 || lseek(err_fd, 0, SEEK_SET) == -1)
		abort();
	fflush(stderr);
	saved_err = dup(STDERR_FILENO);
	dup2(err_fd, STDERR_FILENO);
	rv = mdx_watchlist_read_fp(fp, in_path, w);
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	fclose(fp);
	mdx_buf_reset(&msgs);
	while ((k = pread(err_fd, buf, sizeof(buf), off)) > 0) {
		mdx_buf_add(&msgs, buf, k);
		off += k;
	}
	return rv;
}

static int
symbol_model(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("-_./:", s[i]) !=
		    NULL))
			return 0;
	return 1;
}

/* The number of lines of p[0..n), a last one without newline included. */
static unsigned long
count_lines(const char *p, size_t n)
{
	unsigned long lines = 0;
	size_t i;

	for (i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines + (n > 0 && p[n - 1] != '\n');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdx_watch *w, *w2;
	const char *m, *e;
	unsigned long lines, prev = 0, at;
	char tail[96];
	int n, n2, i, j, k;

	/* fmemopen() wants a buffer of one byte or more. */
	if (size == 0 || size > 8192)
		return 0;
	lines = count_lines((const char *)data, size);
	n = read_list(data, size, &w);
	if (n == -1) {
		FUZZ_CHECK(w == NULL, "rejected, yet entries handed out");
		FUZZ_CHECK(msgs.len > 0, "rejected with no message");
		/* Every message: "fuzz-watch: bad watchlist entry: ...
		 * (at PATH:LINE)", a line of the file each. */
		for (m = msgs.data; m < msgs.data + msgs.len; m = e + 1) {
			e = memchr(m, '\n', msgs.data + msgs.len - m);
			FUZZ_CHECK(e != NULL, "a message without newline");
			snprintf(tail, sizeof(tail), " (at %s:", in_path);
			FUZZ_CHECK(strstr(m, ": bad watchlist entry: ") != NULL &&
			    strstr(m, tail) != NULL && strstr(m, tail) < e,
			    "a message that names no entry and position: %.*s",
			    (int)(e - m), m);
			at = strtoul(strstr(m, tail) + strlen(tail), NULL, 10);
			FUZZ_CHECK(at > prev && at <= lines, "a message for line "
			    "%lu of %lu (the one before: %lu)", at, lines, prev);
			prev = at;
		}
		return 0;
	}
	FUZZ_CHECK(n >= 0 && msgs.len == 0, "taken (%d entries) with "
	    "messages: %.*s", n, (int)msgs.len, msgs.data);
	FUZZ_CHECK(n == 0 || w != NULL, "entries counted, none handed out");

	mdx_buf_reset(&text);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(mdx_market_known(w[i].exchange, w[i].market),
		    "unknown market '%s %s' taken", w[i].exchange,
		    w[i].market);
		FUZZ_CHECK(symbol_model(w[i].symbol), "symbol '%s' taken",
		    w[i].symbol);
		FUZZ_CHECK(w[i].ninterval >= 0 &&
		    w[i].ninterval <= MDX_WATCH_MAXIV, "%d intervals",
		    w[i].ninterval);
		FUZZ_CHECK(w[i].pos.line > prev && w[i].pos.line <= lines &&
		    strcmp(w[i].pos.name, in_path) == 0,
		    "entry at line %lu of %lu, after %lu", w[i].pos.line,
		    lines, prev);
		prev = w[i].pos.line;
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(w[i].exchange, w[j].exchange) != 0 ||
			    strcmp(w[i].market, w[j].market) != 0 ||
			    strcmp(w[i].symbol, w[j].symbol) != 0,
			    "the same instrument twice");
		mdx_buf_printf(&text, "%s %s %s", w[i].exchange, w[i].market,
		    w[i].symbol);
		for (k = 0; k < w[i].ninterval; k++) {
			FUZZ_CHECK(w[i].interval[k] != NULL, "a NULL interval");
			for (j = 0; j < k; j++)
				FUZZ_CHECK(w[i].interval[j] != w[i].interval[k],
				    "interval %s twice", w[i].interval[k]->code);
			mdx_buf_printf(&text, "%c%s", k == 0 ? ' ' : ',',
			    w[i].interval[k]->code);
		}
		mdx_buf_addch(&text, '\n');
	}

	if (n == 0) {
		free(w);
		return 0;
	}
	n2 = read_list(text.data, text.len, &w2);
	if (n2 != n)
		fuzz_show("written", text.data, text.len);
	FUZZ_CHECK(n2 == n, "written back, read as %d entries, not %d: %.*s",
	    n2, n, (int)msgs.len, msgs.data);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(strcmp(w[i].exchange, w2[i].exchange) == 0 &&
		    strcmp(w[i].market, w2[i].market) == 0 &&
		    strcmp(w[i].symbol, w2[i].symbol) == 0 &&
		    w[i].ninterval == w2[i].ninterval &&
		    memcmp(w[i].interval, w2[i].interval,
		    w[i].ninterval * sizeof(w[i].interval[0])) == 0 &&
		    w2[i].pos.line == (unsigned long)i + 1,
		    "entry %d read back differently", i);
	}
	free(w);
	free(w2);
	return 0;
}
