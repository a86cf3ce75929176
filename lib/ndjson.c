/*
 * ndjson.c - the NDJSON reader and the checked writer.
 *
 * The reader hands out lines from a list of inputs, one input after the
 * other.  Plain input is read with read(2) into one buffer and lines are
 * found with memchr(), so the common case costs a memchr, a UTF-8 check and
 * no copy.  Compressed input (gzip, zstd, xz, bzip2) is recognised by its
 * first bytes and decompressed into the same buffer: gzip through zlib,
 * the others through libarchive's "raw" format.  libarchive's gzip filter
 * does not check a member's trailer (its CRC-32 and length), so a gzip
 * file whose data was altered would be read without a word; zlib checks
 * both.
 *
 * The writer buffers output and checks every write(2): a reader that went
 * away (EPIPE) ends the program quietly with status 141, as SIGPIPE would;
 * any other error ends it with MDX_EX_IOERR and a message naming the output.
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ, where there is one (Linux) */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "err.h"
#include "utf8.h"
#include "ndjson.h"

/* Bytes asked of read(2) or libarchive at a time. */
#define RD_CHUNK (256 * 1024)
/* The longest magic number we look for (xz). */
#define MAGIC_MAX 6

struct mdx_reader {
	char **paths;		/* the inputs; "-" is standard input */
	int npath;
	int next;		/* index of the next input to open */

	/* The input being read. */
	int open;		/* an input is open */
	int fd;
	int own_fd;		/* fd was opened here (not stdin) */
	const char *name;	/* "stdin" or the path */
	unsigned long line;	/* lines read from it so far */
	struct archive *ar;	/* non-NULL for compressed input */
	char pre[MAGIC_MAX];	/* bytes read to tell the format, which */
	size_t npre;		/* libarchive must be given first */
	int pre_given;
	char *arbuf;		/* libarchive's input buffer */
	int64_t fed;		/* bytes handed to libarchive */
	int rd_errno;		/* errno of a failed read under libarchive */
	int eof;		/* no more bytes in this input */
	int gz;			/* gzip input, read through zs */
	int gz_ended;		/* zs is at the end of a member */
	int gz_in_eof;		/* no more compressed bytes */
	int gz_later;		/* in a member after the first */
	int64_t gz_used;	/* bytes up to the end of the last member */
	z_stream zs;

	/*
	 * The line buffer: unconsumed bytes are buf[start..end); scan is
	 * where the search for a newline resumes.  One byte past end is
	 * always free so a final line without a newline can be terminated.
	 */
	char *buf;
	size_t cap, start, end, scan;
	size_t maxline;
	int skipping;		/* discarding the rest of a too-long line */

	struct mdx_pos pos;	/* the line last returned */
	char err[512];
	int errstatus;
};

static size_t
buf_cap_for(size_t maxline)
{
	/* A pending line of maxline bytes plus a CR, plus room for a chunk,
	 * plus the terminating NUL. */
	return maxline + 2 + RD_CHUNK + 1;
}

struct mdx_reader *
mdx_reader_open(char *const *paths, int n)
{
	struct mdx_reader *r;
	int i;

	r = mdx_calloc(1, sizeof(*r));
	if (n <= 0) {
		r->paths = mdx_calloc(1, sizeof(char *));
		r->paths[0] = mdx_strdup("-");
		r->npath = 1;
	} else {
		r->paths = mdx_calloc(n, sizeof(char *));
		for (i = 0; i < n; i++)
			r->paths[i] = mdx_strdup(paths[i]);
		r->npath = n;
	}
	r->fd = -1;
	r->maxline = MDX_MAXLINE_DEFAULT;
	r->cap = buf_cap_for(r->maxline);
	r->buf = mdx_malloc(r->cap);
	r->pos.name = "stdin";
	return r;
}

static void
input_close(struct mdx_reader *r)
{
	if (!r->open)
		return;
	if (r->ar != NULL) {
		archive_read_free(r->ar);
		r->ar = NULL;
	}
	if (r->gz) {
		inflateEnd(&r->zs);
		r->gz = 0;
	}
	if (r->own_fd)
		close(r->fd);
	r->own_fd = 0;
	r->fd = -1;
	r->open = 0;
	r->start = r->end = r->scan = 0;
	r->skipping = 0;
}

void
mdx_reader_close(struct mdx_reader *r)
{
	int i;

	if (r == NULL)
		return;
	input_close(r);
	for (i = 0; i < r->npath; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->arbuf);
	free(r->buf);
	free(r);
}

void
mdx_reader_set_maxline(struct mdx_reader *r, size_t max)
{
	size_t cap;

	if (max < 1)
		max = 1;
	if (max > SIZE_MAX / 4)
		mdx_die(MDX_EX_USAGE, "maximum line length too large");
	cap = buf_cap_for(max);
	if (cap < r->end + 1)
		cap = r->end + 1;
	r->buf = mdx_realloc(r->buf, cap);
	r->cap = cap;
	r->maxline = max;
}

struct mdx_pos
mdx_reader_pos(const struct mdx_reader *r)
{
	return r->pos;
}

const char *
mdx_reader_error(const struct mdx_reader *r)
{
	return r->err;
}

int
mdx_reader_error_status(const struct mdx_reader *r)
{
	return r->errstatus;
}

int
mdx_reader_line(struct mdx_reader *r, const char **line, size_t *len,
    uint64_t *nread, uint64_t *bad, int *status)
{
	struct mdx_pos pos;
	int rc;

	while ((rc = mdx_reader_next(r, line, len)) != MDX_RD_EOF) {
		pos = mdx_reader_pos(r);
		if (rc == MDX_RD_ERR) {
			if (status == NULL)
				mdx_die(r->errstatus, "%s (at %s:%lu)",
				    mdx_reader_error(r), pos.name, pos.line);
			mdx_warn("%s (at %s:%lu)", mdx_reader_error(r),
			    pos.name, pos.line);
			*status = r->errstatus;
			return 0;
		}
		(*nread)++;
		if (rc == MDX_RD_LINE)
			return 1;
		mdx_warn("bad line: %s (at %s:%lu)", mdx_reader_error(r),
		    pos.name, pos.line);
		(*bad)++;
	}
	return 0;
}

static int
set_err(struct mdx_reader *r, int status, const char *fmt, ...)
    MDX_PRINTF(3, 4);

static int
set_err(struct mdx_reader *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->errstatus = status;
	/* The position is the line that could not be read. */
	r->pos.name = r->name;
	r->pos.line = r->line + 1;
	return MDX_RD_ERR;
}

/*
 * read(2), retried when interrupted, and waiting when the descriptor is
 * non-blocking (a parent may have left standard input so) and has nothing
 * yet.
 */
static ssize_t
xread(int fd, void *p, size_t n)
{
	struct pollfd pfd;
	ssize_t k;

	for (;;) {
		if ((k = read(fd, p, n)) >= 0)
			return k;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			(void)poll(&pfd, 1, -1);
		} else if (errno != EINTR)
			return -1;
	}
}

/* libarchive's read callback: first the bytes read to tell the format,
 * then the rest of the file. */
static la_ssize_t
ar_read(struct archive *a, void *arg, const void **p)
{
	struct mdx_reader *r = arg;
	ssize_t n;

	if (!r->pre_given) {
		r->pre_given = 1;
		*p = r->pre;
		r->fed += r->npre;
		return r->npre;
	}
	if ((n = xread(r->fd, r->arbuf, RD_CHUNK)) < 0) {
		r->rd_errno = errno;
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	*p = r->arbuf;
	r->fed += n;
	return n;
}

/*
 * Sets the error for a libarchive failure: an I/O error when reading the
 * file failed, else corrupt or truncated data.  libarchive's messages
 * start with a capital ("Truncated zstd input"); ours do not.
 */
static int
ar_err(struct mdx_reader *r)
{
	const char *m = archive_error_string(r->ar);
	char first;

	if (m == NULL || *m == '\0')
		m = "corrupt compressed data";
	first = *m >= 'A' && *m <= 'Z' ? *m - 'A' + 'a' : *m;
	return set_err(r, r->rd_errno ? MDX_EX_IOERR : MDX_EX_DATAERR,
	    "cannot read '%s': %c%s", r->name, first, m + 1);
}

/*
 * At the end of the decompressed data: libarchive ends quietly at bytes
 * that do not start another member, such as a gzip cut inside the header
 * of its second member, or garbage after the last one, and the rest of
 * the input would be lost unseen.  Any byte the decompressor did not use
 * is an error.
 */
static int
ar_check_end(struct mdx_reader *r)
{
	int64_t used = archive_filter_bytes(r->ar, -1);
	ssize_t n;
	char c;

	if (used == r->fed) {
		if ((n = xread(r->fd, &c, 1)) < 0)
			return set_err(r, MDX_EX_IOERR, "read error on '%s': %s",
			    r->name, strerror(errno));
		if (n == 0)
			return 0;
	}
	return set_err(r, MDX_EX_DATAERR, "cannot read '%s': truncated or "
	    "corrupt compressed data after byte %lld", r->name,
	    (long long)used);
}

/* The magic numbers of the compressed formats read. */
static const struct {
	const char *bytes;
	size_t len;
} magic[] = {
	{ "\x1f\x8b", 2 },			/* gzip */
	{ "\x28\xb5\x2f\xfd", 4 },		/* zstd */
	{ "\xfd" "7zXZ\0", 6 },		/* xz */
	{ "BZh", 3 },				/* bzip2 */
};

/* Whether the first bytes of an input are a compression magic number. */
static int
is_compressed(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (n >= magic[i].len &&
		    memcmp(p, magic[i].bytes, magic[i].len) == 0)
			return 1;
	return 0;
}

/* Whether p[0..n) is the start of a magic number, but not all of it. */
static int
magic_prefix(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (n < magic[i].len && memcmp(p, magic[i].bytes, n) == 0)
			return 1;
	return 0;
}

/*
 * A pipe holds 64 KiB on Linux: a reader faster than its producer wakes
 * up and pays a read(2) for every 64 KiB.  A pipe read from is widened to
 * 1 MiB, what any process may ask for; where there is no such request, or
 * it is refused (a user's pipes past their limit), the pipe stays as it
 * is.
 */
static void
pipe_widen(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 1024 * 1024);
#else
	(void)fd;
#endif
}

/*
 * Opens the next input.  Returns 1 when one is open, 0 when there are no
 * more, MDX_RD_ERR when it cannot be opened (the reader then moves on to
 * the following input at the next call).
 */
static int
input_open(struct mdx_reader *r)
{
	struct archive_entry *ent;
	const char *path;
	ssize_t n;
	int rc;

	if (r->next >= r->npath)
		return 0;
	path = r->paths[r->next++];
	r->open = 1;
	r->eof = 0;
	r->line = 0;
	r->rd_errno = 0;
	r->npre = 0;
	r->pre_given = 0;
	r->fed = 0;
	r->start = r->end = r->scan = 0;
	r->skipping = 0;
	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
		r->name = "stdin";
	} else {
		r->name = path;
		if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			r->open = 0;
			return set_err(r, MDX_EX_IOERR, "cannot open '%s': %s",
			    path, strerror(errno));
		}
		r->own_fd = 1;
	}
	pipe_widen(r->fd);
	r->pos.name = r->name;
	r->pos.line = 0;

	/*
	 * Read enough to tell the format; a pipe may give less at a time.
	 * Stop as soon as the bytes cannot start a magic number, so a
	 * producer that writes one short line and waits is not waited for.
	 */
	while (r->npre < MAGIC_MAX && magic_prefix(r->pre, r->npre)) {
		n = xread(r->fd, r->pre + r->npre, MAGIC_MAX - r->npre);
		if (n == -1) {
			set_err(r, MDX_EX_IOERR, "read error on '%s': %s",
			    r->name, strerror(errno));
			input_close(r);
			return MDX_RD_ERR;
		}
		if (n == 0) {
			r->eof = 1;
			break;
		}
		r->npre += n;
	}
	if (!is_compressed(r->pre, r->npre)) {
		memcpy(r->buf, r->pre, r->npre);
		r->end = r->npre;
		return 1;
	}

	if (r->arbuf == NULL)
		r->arbuf = mdx_malloc(RD_CHUNK);
	r->eof = 0;
	if ((unsigned char)r->pre[0] == 0x1f) {
		/* gzip (the only magic starting so), members one after
		 * the other, as cat(1) makes them. */
		memset(&r->zs, 0, sizeof(r->zs));
		if (inflateInit2(&r->zs, 15 + 16) != Z_OK)
			mdx_die(MDX_EX_FAIL, "out of memory");
		r->gz = 1;
		r->gz_ended = 0;
		r->gz_in_eof = 0;
		r->gz_later = 0;
		return 1;
	}
	if ((r->ar = archive_read_new()) == NULL)
		mdx_die(MDX_EX_FAIL, "out of memory");
	archive_read_support_filter_gzip(r->ar);
	archive_read_support_filter_zstd(r->ar);
	archive_read_support_filter_xz(r->ar);
	archive_read_support_filter_bzip2(r->ar);
	/* "empty" first: the raw format does not take empty data. */
	archive_read_support_format_empty(r->ar);
	archive_read_support_format_raw(r->ar);
	if (archive_read_open(r->ar, r, NULL, ar_read, NULL) != ARCHIVE_OK)
		goto bad;
	/*
	 * A stream too short for its decompressor to recognise it would be
	 * handed through as it is; it is corrupt, not plain text.
	 */
	if (archive_filter_code(r->ar, 0) == ARCHIVE_FILTER_NONE) {
		set_err(r, MDX_EX_DATAERR, "cannot read '%s': truncated "
		    "compressed data", r->name);
		input_close(r);
		return MDX_RD_ERR;
	}
	rc = archive_read_next_header(r->ar, &ent);
	if (rc == ARCHIVE_EOF) {
		r->eof = 1;	/* empty once decompressed */
		if (ar_check_end(r) != 0) {
			input_close(r);
			return MDX_RD_ERR;
		}
	} else if (rc < ARCHIVE_WARN)
		goto bad;
	return 1;
bad:
	ar_err(r);
	input_close(r);
	return MDX_RD_ERR;
}

/*
 * Decompresses gzip input into dst (space bytes).  Returns the bytes
 * written, 0 at the end of the input, or MDX_RD_ERR: a member that does not
 * inflate, whose CRC-32 or length does not match its data, that is cut
 * short, or bytes after the last member that do not start another one.
 */
static long
gz_fill(struct mdx_reader *r, char *dst, size_t space)
{
	ssize_t n;
	int zr;

	r->zs.next_out = (unsigned char *)dst;
	r->zs.avail_out = space > UINT_MAX ? UINT_MAX : (unsigned)space;
	while (r->zs.avail_out > 0 && (char *)r->zs.next_out == dst) {
		if (r->zs.avail_in == 0 && !r->gz_in_eof) {
			if (!r->pre_given) {
				r->pre_given = 1;
				memcpy(r->arbuf, r->pre, r->npre);
				n = (ssize_t)r->npre;
			} else if ((n = xread(r->fd, r->arbuf,
			    RD_CHUNK)) < 0)
				return set_err(r, MDX_EX_IOERR, "read error on "
				    "'%s': %s", r->name, strerror(errno));
			if (n == 0)
				r->gz_in_eof = 1;
			r->zs.next_in = (unsigned char *)r->arbuf;
			r->zs.avail_in = (unsigned)n;
			r->fed += n;
		}
		if (r->zs.avail_in == 0 && r->gz_in_eof) {
			if (r->gz_ended)
				return 0;
			if (r->gz_later && r->zs.total_out == 0)
				goto after;
			return set_err(r, MDX_EX_DATAERR, "cannot read '%s': "
			    "truncated %s", r->name, r->fed < 10 ?
			    "compressed data" : "gzip input");
		}
		if (r->gz_ended) {
			/* More bytes: they must be another member. */
			inflateReset(&r->zs);
			r->gz_ended = 0;
			r->gz_later = 1;
		}
		zr = inflate(&r->zs, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			r->gz_ended = 1;
			r->gz_used = r->fed - r->zs.avail_in;
		} else if (zr != Z_OK && !(zr == Z_BUF_ERROR &&
		    r->zs.avail_in == 0)) {
			if (r->gz_later && r->zs.total_out == 0)
				goto after;
			return set_err(r, MDX_EX_DATAERR, "cannot read '%s': "
			    "corrupt gzip data after byte %lld: %s", r->name,
			    (long long)(r->fed - r->zs.avail_in),
			    r->zs.msg != NULL ? r->zs.msg : "bad data");
		}
	}
	return (long)((char *)r->zs.next_out - dst);
after:
	/* Bytes after a member that are not a whole member: a cut, or
	 * garbage; worded as for the other formats. */
	return set_err(r, MDX_EX_DATAERR, "cannot read '%s': truncated or "
	    "corrupt compressed data after byte %lld", r->name,
	    (long long)r->gz_used);
}

/*
 * Reads more of the current input into the buffer.  Returns the number of
 * bytes read, 0 at the end of the input, or MDX_RD_ERR.
 */
static long
fill(struct mdx_reader *r)
{
	size_t space;
	ssize_t n;
	la_ssize_t an;

	if (r->start > 0 && r->cap - 1 - r->end < RD_CHUNK) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	/* At most maxline + 1 bytes are pending here, so there is room. */
	space = r->cap - 1 - r->end;
	if (r->gz) {
		if ((n = gz_fill(r, r->buf + r->end,
		    space < RD_CHUNK ? space : RD_CHUNK)) < 0)
			return MDX_RD_ERR;
		r->end += n;
		return n;
	}
	if (r->ar == NULL) {
		if ((n = xread(r->fd, r->buf + r->end, space)) < 0)
			return set_err(r, MDX_EX_IOERR, "read error on '%s': %s",
			    r->name, strerror(errno));
		r->end += n;
		return n;
	}
	/*
	 * Asking for a chunk at a time hands out the lines before a
	 * truncation or corruption, as with plain input.
	 */
	an = archive_read_data(r->ar, r->buf + r->end,
	    space < RD_CHUNK ? space : RD_CHUNK);
	if (an < 0)
		return ar_err(r);
	if (an == 0 && ar_check_end(r) != 0)
		return MDX_RD_ERR;
	r->end += an;
	return an;
}

/*
 * Reads more of the current input, as fill() does.  Returns 0, with r->eof
 * set when the input has ended, or MDX_RD_ERR after closing the input.
 */
static int
read_more(struct mdx_reader *r)
{
	long got;

	if ((got = fill(r)) < 0) {
		input_close(r);
		return MDX_RD_ERR;
	}
	if (got == 0)
		r->eof = 1;
	return 0;
}

static int
bad_line(struct mdx_reader *r, const char *fmt, ...) MDX_PRINTF(2, 3);

static int
bad_line(struct mdx_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->errstatus = MDX_EX_DATAERR;
	return MDX_RD_BAD;
}

/*
 * Finds the first newline in p[0..end) as memchr() does, or returns NULL,
 * and tells in *plain whether every byte before it is ASCII and not NUL:
 * such a line needs no UTF-8 check, which saves a second pass over it.
 * With SSE2 sixteen bytes are looked at a time.
 */
static char *
find_line(char *p, char *end, int *plain)
{
	unsigned bad = 0;

#if defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n');
	const __m128i zero = _mm_setzero_si128();
	__m128i v, w;
	unsigned m, b;

	/* Thirty-two bytes a round while no newline is seen, then sixteen. */
	while (end - p >= 32) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		w = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		if (_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl),
		    _mm_cmpeq_epi8(w, nl))) != 0)
			break;
		bad |= (unsigned)(_mm_movemask_epi8(_mm_or_si128(v, w)) |
		    _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, zero),
		    _mm_cmpeq_epi8(w, zero))));
		p += 32;
	}
	while (end - p >= 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
		b = (unsigned)(_mm_movemask_epi8(v) |
		    _mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)));
		if (m != 0) {
			m = __builtin_ctz(m);
			*plain = (bad | (b & ((1u << m) - 1))) == 0;
			return p + m;
		}
		bad |= b;
		p += 16;
	}
#endif
	for (; p < end; p++) {
		if (*p == '\n') {
			*plain = bad == 0;
			return p;
		}
		if (*p == '\0' || (unsigned char)*p >= 0x80)
			bad = 1;
	}
	*plain = 0;
	return NULL;
}

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

int
mdx_reader_next(struct mdx_reader *r, const char **line, size_t *len)
{
	char *s, *nl;
	size_t n;
	long got, bad;
	int plain;

	*line = "";
	*len = 0;
	for (;;) {
		if (!r->open) {
			got = input_open(r);
			if (got == 0)
				return MDX_RD_EOF;
			if (got == MDX_RD_ERR)
				return MDX_RD_ERR;
		}
		if (r->skipping) {
			/* The rest of a line already reported as too long. */
			nl = memchr(r->buf + r->start, '\n',
			    r->end - r->start);
			if (nl != NULL) {
				r->start = r->scan = nl + 1 - r->buf;
				r->skipping = 0;
				continue;
			}
			r->start = r->end = r->scan = 0;
			if (r->eof) {
				input_close(r);
				continue;
			}
			if (read_more(r) == MDX_RD_ERR)
				return MDX_RD_ERR;
			continue;
		}

		/* A line found in one go is known plain or not; one whose
		 * start was looked at before gets the full check. */
		nl = find_line(r->buf + r->scan, r->buf + r->end, &plain);
		if (r->scan != r->start)
			plain = 0;
		if (nl != NULL) {
			s = r->buf + r->start;
			n = nl - s;
			r->start = r->scan = nl + 1 - r->buf;
		} else if (r->end - r->start > r->maxline + 1) {
			/*
			 * Too long even before its end is seen: report the
			 * first maxline bytes and skip the rest.
			 */
			s = r->buf + r->start;
			r->start = r->scan = r->start + r->maxline + 1;
			r->skipping = 1;
			r->line++;
			r->pos.line = r->line;
			s[r->maxline] = '\0';
			*line = s;
			*len = r->maxline;
			return bad_line(r, "line too long (more than %zu bytes)",
			    r->maxline);
		} else if (!r->eof) {
			r->scan = r->end;
			if (read_more(r) == MDX_RD_ERR)
				return MDX_RD_ERR;
			continue;
		} else if (r->end > r->start) {
			/* The last line has no newline. */
			s = r->buf + r->start;
			n = r->end - r->start;
			r->start = r->scan = r->end;
		} else {
			input_close(r);
			continue;
		}

		r->line++;
		r->pos.line = r->line;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > r->maxline) {
			s[r->maxline] = '\0';
			*line = s;
			*len = r->maxline;
			return bad_line(r, "line too long (more than %zu bytes)",
			    r->maxline);
		}
		s[n] = '\0';
		if (n == 0 || ((s[0] == ' ' || s[0] == '\t') && is_blank(s, n)))
			continue;
		*line = s;
		*len = n;
		if (!plain && (bad = mdx_utf8_check(s, n)) >= 0) {
			if (s[bad] == '\0')
				return bad_line(r, "NUL byte at column %ld",
				    bad + 1);
			return bad_line(r, "invalid UTF-8 at column %ld",
			    bad + 1);
		}
		return MDX_RD_LINE;
	}
}

/* ------------------------------------------------------------------------
 * The checked writer.
 */
#define WR_BUFSZ (64 * 1024)

struct mdx_writer {
	int fd;
	char *name;
	char *buf;
	size_t len;
	int is_stdout;
	int failed;	/* an error ended the program; write nothing more */
};

static struct mdx_writer *stdout_writer;

struct mdx_writer *
mdx_writer_fd(int fd, const char *name)
{
	struct mdx_writer *w;

	w = mdx_calloc(1, sizeof(*w));
	w->fd = fd;
	w->name = mdx_strdup(name);
	w->buf = mdx_malloc(WR_BUFSZ);
	return w;
}

struct mdx_writer *
mdx_stdout(void)
{
	if (stdout_writer == NULL) {
		stdout_writer = mdx_writer_fd(STDOUT_FILENO, "stdout");
		stdout_writer->is_stdout = 1;
	}
	return stdout_writer;
}

/*
 * Writes everything or ends the program.  A closed pipe ends it with the
 * status a shell shows for SIGPIPE and no message: the reader went away,
 * which is not an error of ours (head(1) after enough lines).
 */
static void
write_all(struct mdx_writer *w, const char *p, size_t n)
{
	struct pollfd pfd;
	ssize_t k;
	int e;

	if (w->failed)
		return;
	while (n > 0) {
		k = write(w->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* A non-blocking output that is full. */
				pfd.fd = w->fd;
				pfd.events = POLLOUT;
				(void)poll(&pfd, 1, -1);
				continue;
			}
			e = errno;
			w->failed = 1;
			w->len = 0;
			if (e == EPIPE)
				exit(128 + 13);
			mdx_die(MDX_EX_IOERR, "write error on '%s': %s",
			    w->name, strerror(e));
		}
		p += k;
		n -= k;
	}
}

void
mdx_writer_flush(struct mdx_writer *w)
{
	size_t n = w->len;

	w->len = 0;
	write_all(w, w->buf, n);
}

void
mdx_write(struct mdx_writer *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (n <= WR_BUFSZ - w->len) {
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		return;
	}
	mdx_writer_flush(w);
	if (n >= WR_BUFSZ) {
		write_all(w, p, n);
		return;
	}
	memcpy(w->buf, p, n);
	w->len = n;
}

void
mdx_write_line(struct mdx_writer *w, const void *p, size_t n)
{
	if (n < WR_BUFSZ - w->len) {
		memcpy(w->buf + w->len, p, n);
		w->buf[w->len + n] = '\n';
		w->len += n + 1;
		return;
	}
	mdx_write(w, p, n);
	mdx_write(w, "\n", 1);
}

void
mdx_writer_close(struct mdx_writer *w)
{
	if (w == NULL)
		return;
	mdx_writer_flush(w);
	if (w->is_stdout)
		return;
	if (close(w->fd) == -1 && errno != EINTR && !w->failed)
		mdx_die(MDX_EX_IOERR, "write error on '%s': %s", w->name,
		    strerror(errno));
	free(w->name);
	free(w->buf);
	free(w);
}
