/*
 * fuzz-ndjson.c - the NDJSON reader (lib/ndjson.c) over random bytes.
 *
 * One reader reads four inputs made from the fuzz input:
 *   1. the bytes themselves through a pipe, written a few bytes at a time
 *      by a thread, so lines arrive in pieces;
 *   2. the bytes gzip-compressed, as two gzip members, from a file;
 *   3. that gzip cut short, through a pipe;
 *   4. the bytes again, from a file, to show reading goes on after an
 *      input failed.
 * The maximum line length comes from the last byte of the input.  An
 * independent model splits the bytes into lines (newline-terminated, the
 * last one need not be; a CR before the newline dropped) and classifies
 * each: blank (skipped), too long, invalid UTF-8 or NUL (bad, with the
 * column), or good.  Every line the reader returns must be the model's,
 * with the same number, text and reason, and every line of the model must
 * be returned or be blank: every byte is accounted for.  The cut gzip must
 * give a prefix of the lines and then an error.  Inputs that themselves
 * start with a compression magic number are only read for crashes.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "fuzz.h"

#define MAXIN 32768

enum { SKIP, GOOD, BAD };

struct mline {
	const char *p;		/* the text expected back */
	size_t n;
	int kind;
	char reason[80];
};

struct model {
	struct mline *l;
	size_t n;
};

/* The first byte of s[0..n) that is not valid UTF-8 (RFC 3629) or is NUL,
 * or -1; written apart from lib/ndjson.c on purpose. */
static long
utf8_bad(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;
	uint32_t cp;
	unsigned c;

	while (i < n) {
		c = s[i];
		if (c == 0)
			return (long)i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc0 && c < 0xe0)
			k = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c < 0xf0)
			k = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c < 0xf8)
			k = 4, cp = c & 0x07;
		else
			return (long)i;
		if (i + k > n)
			return (long)i;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return (long)i;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) ||
		    (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (long)i;
		i += k;
	}
	return -1;
}

static void
model_build(struct model *m, const char *s, size_t size, size_t maxline)
{
	size_t i, start, n, k;
	struct mline *l;
	long bad;

	m->l = mdx_calloc(size + 1, sizeof(*m->l));
	m->n = 0;
	for (start = 0; start < size; start = i + 1) {
		const char *nl = memchr(s + start, '\n', size - start);

		i = nl != NULL ? (size_t)(nl - s) : size;
		n = i - start;
		if (n > 0 && s[start + n - 1] == '\r')
			n--;
		l = &m->l[m->n++];
		l->p = s + start;
		if (n > maxline) {
			l->kind = BAD;
			l->n = maxline;
			snprintf(l->reason, sizeof(l->reason),
			    "line too long (more than %zu bytes)", maxline);
			continue;
		}
		l->n = n;
		for (k = 0; k < n && (s[start + k] == ' ' ||
		    s[start + k] == '\t'); k++)
			;
		if (k == n) {
			l->kind = SKIP;
			continue;
		}
		bad = utf8_bad((const unsigned char *)s + start, n);
		if (bad < 0) {
			l->kind = GOOD;
			continue;
		}
		l->kind = BAD;
		snprintf(l->reason, sizeof(l->reason), "%s at column %ld",
		    s[start + bad] == '\0' ? "NUL byte" : "invalid UTF-8",
		    bad + 1);
	}
}

/* What the reader said about one input. */
struct event {
	int rc;
	unsigned long line;
	char *text;
	size_t n;
	char *reason;
};

struct seen {
	struct event *ev;
	size_t n, cap;
};

static void
seen_add(struct seen *s, int rc, unsigned long line, const char *text,
    size_t n, const char *reason)
{
	struct event *e;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->ev = mdx_realloc(s->ev, s->cap * sizeof(*s->ev));
	}
	e = &s->ev[s->n++];
	e->rc = rc;
	e->line = line;
	e->text = mdx_malloc(n + 1);
	memcpy(e->text, text, n);
	e->text[n] = '\0';
	e->n = n;
	e->reason = mdx_strdup(reason);
}

static void
seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->ev[i].text);
		free(s->ev[i].reason);
	}
	free(s->ev);
	memset(s, 0, sizeof(*s));
}

/*
 * Compares what the reader said about an input with the model.  A cut
 * input (cut set) may stop early, with an error, after a prefix.
 */
static void
compare(const char *what, const struct seen *s, const struct model *m,
    int cut)
{
	size_t i = 0, k = 0;
	const struct event *e;
	const struct mline *l;

	for (k = 0; k < s->n; k++) {
		e = &s->ev[k];
		if (e->rc == MDX_RD_ERR) {
			FUZZ_CHECK(cut, "%s: error '%s' on an intact input",
			    what, e->reason);
			FUZZ_CHECK(k == s->n - 1, "%s: more after the error",
			    what);
			FUZZ_CHECK(e->line > (k > 0 ? s->ev[k - 1].line : 0),
			    "%s: error position %lu", what, e->line);
			return;
		}
		while (i < m->n && m->l[i].kind == SKIP)
			i++;
		FUZZ_CHECK(i < m->n, "%s: line %lu beyond the model's %zu",
		    what, e->line, m->n);
		l = &m->l[i];
		FUZZ_CHECK(e->line == i + 1, "%s: line number %lu, model %zu",
		    what, e->line, i + 1);
		if (e->n != l->n || memcmp(e->text, l->p, l->n) != 0) {
			fuzz_show("reader", e->text, e->n);
			fuzz_show("model", l->p, l->n);
			FUZZ_CHECK(0, "%s: line %lu text differs", what,
			    e->line);
		}
		if (l->kind == GOOD)
			FUZZ_CHECK(e->rc == MDX_RD_LINE, "%s: line %lu: bad "
			    "(%s), model good", what, e->line, e->reason);
		else
			FUZZ_CHECK(e->rc == MDX_RD_BAD &&
			    strcmp(e->reason, l->reason) == 0,
			    "%s: line %lu: rc %d '%s', model bad '%s'", what,
			    e->line, e->rc, e->reason, l->reason);
		i++;
	}
	FUZZ_CHECK(!cut, "%s: a cut gzip read without an error", what);
	for (; i < m->n; i++)
		FUZZ_CHECK(m->l[i].kind == SKIP, "%s: model line %zu (kind %d) "
		    "never returned", what, i + 1, m->l[i].kind);
}

/* Compresses s as gzip into out: two members, split at split.  Returns
 * the length of the first. */
static size_t
gzip2(struct mdx_buf *out, const char *s, size_t n, size_t split, int level)
{
	const char *part[2] = { s, s + split };
	size_t plen[2] = { split, n - split };
	z_stream z;
	size_t first = 0;
	int i;

	mdx_buf_reset(out);
	for (i = 0; i < 2; i++) {
		memset(&z, 0, sizeof(z));
		FUZZ_CHECK(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) == Z_OK, "deflateInit2");
		mdx_buf_grow(out, deflateBound(&z, plen[i]) + 64);
		z.next_in = (Bytef *)part[i];
		z.avail_in = plen[i];
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = out->cap - out->len - 1;
		FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate");
		out->len += z.total_out;
		deflateEnd(&z);
		if (i == 0)
			first = out->len;
	}
	return first;
}

/* A file in memory holding p[0..n). */
static int
memfile(const void *p, size_t n)
{
	int fd = memfd_create("fuzz-ndjson", MFD_CLOEXEC);

	FUZZ_CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	FUZZ_CHECK(write(fd, p, n) == (ssize_t)n, "write to memfd");
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	return fd;
}

struct dribble {
	int fd;
	const char *p;
	size_t n;
	unsigned step;
};

/* Writes the bytes a few at a time, then closes the pipe. */
static void *
dribble(void *arg)
{
	struct dribble *d = arg;
	size_t off = 0, k;
	unsigned i = 0;
	ssize_t w;

	while (off < d->n) {
		k = 1 + (d->step + 7 * i++) % 13;
		if (k > d->n - off)
			k = d->n - off;
		if ((w = write(d->fd, d->p + off, k)) < 0) {
			if (errno == EINTR)
				continue;
			break;	/* the reader went away */
		}
		off += (size_t)w;
	}
	close(d->fd);
	return NULL;
}

static int
is_magic(const char *s, size_t n)
{
	return (n >= 2 && memcmp(s, "\x1f\x8b", 2) == 0) ||
	    (n >= 4 && memcmp(s, "\x28\xb5\x2f\xfd", 4) == 0) ||
	    (n >= 6 && memcmp(s, "\xfd" "7zXZ\0", 6) == 0) ||
	    (n >= 3 && memcmp(s, "BZh", 3) == 0);
}

static void
fuzz_setup(void)
{
	signal(SIGPIPE, SIG_IGN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mdx_buf gz = MDX_BUF_INIT;
	struct seen seen[4] = { { 0 } };
	struct mdx_reader *r;
	struct dribble dr;
	struct model m;
	pthread_t th;
	const char *line;
	char path[4][32];
	char *paths[4];
	int fds[4], pa[2], pc[2], i, rc, magic;
	size_t maxline, len, cut, written, first;
	unsigned last;

	if (size > MAXIN)
		return 0;
	last = size > 0 ? (unsigned char)data[size - 1] : 0;
	/* Mostly short maximums, so that lines are often too long. */
	maxline = last % 4 == 0 ? MDX_MAXLINE_DEFAULT : 1 + last % 61;
	magic = is_magic(s, size);
	model_build(&m, s, size, maxline);

	/* 1: the bytes through a pipe, in pieces. */
	FUZZ_CHECK(pipe(pa) == 0, "pipe");
	dr.fd = pa[1];
	dr.p = s;
	dr.n = size;
	dr.step = last;
	FUZZ_CHECK(pthread_create(&th, NULL, dribble, &dr) == 0,
	    "pthread_create");
	fds[0] = pa[0];

	/* 2: gzip in two members, from a file. */
	first = gzip2(&gz, s, size, size > 0 ? (last * 31) % (size + 1) : 0,
	    (int)(last % 10));
	fds[1] = memfile(gz.data, gz.len);

	/* 3: that gzip cut short (two bytes at least: a gzip magic number),
	 * through a pipe (all written at once: it fits). */
	cut = 2 + (gz.len > 3 ? (last * 131 + size) % (gz.len - 3) : 0);
	if (cut == first)
		cut--;		/* the first member alone is whole */
	FUZZ_CHECK(cut < gz.len, "cut %zu of %zu", cut, gz.len);
	FUZZ_CHECK(pipe(pc) == 0, "pipe");
	written = 0;
	while (written < cut) {
		ssize_t w = write(pc[1], gz.data + written, cut - written);

		FUZZ_CHECK(w > 0, "write to pipe: %s", strerror(errno));
		written += (size_t)w;
	}
	close(pc[1]);
	fds[2] = pc[0];

	/* 4: the bytes again, from a file. */
	fds[3] = memfile(s, size);

	for (i = 0; i < 4; i++) {
		snprintf(path[i], sizeof(path[i]), "/dev/fd/%d", fds[i]);
		paths[i] = path[i];
	}
	r = mdx_reader_open(paths, 4);
	mdx_reader_set_maxline(r, maxline);
	while ((rc = mdx_reader_next(r, &line, &len)) != MDX_RD_EOF) {
		struct mdx_pos pos = mdx_reader_pos(r);

		for (i = 0; i < 4 && strcmp(pos.name, path[i]) != 0; i++)
			;
		FUZZ_CHECK(i < 4, "position names '%s'", pos.name);
		FUZZ_CHECK(rc == MDX_RD_LINE || rc == MDX_RD_BAD ||
		    rc == MDX_RD_ERR, "rc %d", rc);
		if (rc != MDX_RD_ERR) {
			FUZZ_CHECK(line[len] == '\0', "line not terminated");
			FUZZ_CHECK(len <= maxline, "line of %zu bytes, maximum "
			    "%zu", len, maxline);
		}
		if (rc == MDX_RD_LINE)
			FUZZ_CHECK(mdx_utf8_check(line, len) == -1 &&
			    utf8_bad((const unsigned char *)line, len) == -1,
			    "a good line is not valid UTF-8");
		if (rc != MDX_RD_LINE)
			FUZZ_CHECK(mdx_reader_error(r)[0] != '\0',
			    "no reason given");
		if (rc == MDX_RD_ERR)
			FUZZ_CHECK(mdx_reader_error_status(r) ==
			    MDX_EX_DATAERR, "error status %d for '%s'",
			    mdx_reader_error_status(r), mdx_reader_error(r));
		seen_add(&seen[i], rc, pos.line, rc == MDX_RD_ERR ? "" : line,
		    rc == MDX_RD_ERR ? 0 : len, mdx_reader_error(r));
	}
	FUZZ_CHECK(mdx_reader_next(r, &line, &len) == MDX_RD_EOF,
	    "more after EOF");
	mdx_reader_close(r);
	pthread_join(th, NULL);
	for (i = 0; i < 4; i++)
		close(fds[i]);

	/*
	 * Bytes that start with a magic number are decompressed, and
	 * libarchive decompresses such bytes again when they are the content
	 * of a gzip (no NDJSON line starts so); only crashes count there.
	 */
	if (!magic) {
		compare("pipe", &seen[0], &m, 0);
		compare("file", &seen[3], &m, 0);
		compare("gzip", &seen[1], &m, 0);
		compare("cut gzip", &seen[2], &m, 1);
	}

	for (i = 0; i < 4; i++)
		seen_free(&seen[i]);
	free(m.l);
	mdx_buf_free(&gz);
	return 0;
}
