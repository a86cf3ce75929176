/*
 * test-ndjson.c - the NDJSON reader and the checked writer.
 *
 * Reader tests run the reader over files written to a scratch directory
 * and compare a transcript of what mdx_reader_next() returned, one entry
 * per call:
 *
 *	L name:line text	a good line
 *	B name:line len reason	a bad line (len = bytes handed back)
 *	E status reason		an input that could not be read
 *
 * Writer tests run the writer in a child process against a closed pipe and
 * /dev/full and check its exit status and stderr.
 *
 *	test-ndjson             the TAP tests
 *	test-ndjson cat [F...]  copies the good lines of F (or stdin) to
 *	                        stdout through the reader and the writer;
 *	                        bad lines are reported on stderr and make the
 *	                        exit status 65; an unreadable input ends it
 *	                        with the reader's status (tests/ndjson.t,
 *	                        bench/io.sh)
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "mdx.h"
#include "tap.h"

static char dir[] = "/tmp/test-ndjson.XXXXXX";

static char *
path(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
put(const char *name, const void *data, size_t n)
{
	FILE *f;

	if ((f = fopen(path(name), "wb")) == NULL ||
	    fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path(name));
		exit(1);
	}
}

/* Compresses data with libarchive's raw writer and the given filter. */
#define PUTS(name, lit) put((name), (lit), sizeof(lit) - 1)

static void
put_compressed(const char *name, const void *data, size_t n, int filter,
    size_t cut)
{
	struct archive *a;
	struct archive_entry *e;
	size_t cap = n + 4096, used = 0;
	char *out = malloc(cap);

	a = archive_write_new();
	archive_write_add_filter(a, filter);
	archive_write_set_format_raw(a);
	if (archive_write_open_memory(a, out, cap, &used) != ARCHIVE_OK) {
		printf("Bail out! %s\n", archive_error_string(a));
		exit(1);
	}
	e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_write_header(a, e);
	if (n > 0)
		archive_write_data(a, data, n);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	put(name, out, used > cut ? used - cut : 0);
	free(out);
}

/* Reads all inputs and returns the transcript (static storage). */
static const char *
transcript(char *const *paths, int n, size_t maxline)
{
	static struct mdx_buf t;
	struct mdx_reader *r;
	struct mdx_pos pos;
	const char *line;
	size_t len;
	int rc, guard = 0;

	mdx_buf_reset(&t);
	mdx_buf_addstr(&t, "");
	r = mdx_reader_open(paths, n);
	if (maxline > 0)
		mdx_reader_set_maxline(r, maxline);
	while ((rc = mdx_reader_next(r, &line, &len)) != MDX_RD_EOF) {
		pos = mdx_reader_pos(r);
		if (rc == MDX_RD_LINE) {
			if (strlen(line) != len)
				mdx_buf_addstr(&t, "(len mismatch)");
			mdx_buf_printf(&t, "L %s:%lu %s\n", pos.name,
			    pos.line, line);
		} else if (rc == MDX_RD_BAD)
			mdx_buf_printf(&t, "B %s:%lu %zu %s\n", pos.name,
			    pos.line, len, mdx_reader_error(r));
		else
			mdx_buf_printf(&t, "E %s:%lu %d %s\n", pos.name,
			    pos.line, mdx_reader_error_status(r),
			    mdx_reader_error(r));
		if (++guard > 1000000) {
			mdx_buf_addstr(&t, "(no end)\n");
			break;
		}
	}
	mdx_reader_close(r);
	return t.data;
}

static const char *
one(const char *name, size_t maxline)
{
	char *p[1];

	p[0] = path(name);
	return transcript(p, 1, maxline);
}

/* The transcript with the scratch directory replaced by "D". */
static const char *
rel(const char *s)
{
	static struct mdx_buf b;
	size_t dl = strlen(dir);
	const char *p;

	mdx_buf_reset(&b);
	mdx_buf_addstr(&b, "");
	while ((p = strstr(s, dir)) != NULL) {
		mdx_buf_add(&b, s, p - s);
		mdx_buf_addch(&b, 'D');
		s = p + dl;
	}
	mdx_buf_addstr(&b, s);
	return b.data;
}

static void
test_utf8(void)
{
	is_int(mdx_utf8_check("", 0), -1, "utf8: empty is good");
	is_int(mdx_utf8_check("plain ascii text, long enough", 29), -1,
	    "utf8: ascii");
	is_int(mdx_utf8_check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
	    -1, "utf8: 2, 3 and 4 byte forms");
	is_int(mdx_utf8_check("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7), -1,
	    "utf8: U+FFFF and U+10FFFF");
	is_int(mdx_utf8_check("abc\xc0\xaf", 5), 3, "utf8: overlong 2-byte");
	is_int(mdx_utf8_check("\xc1\xbf", 2), 0, "utf8: overlong C1");
	is_int(mdx_utf8_check("ab\xe0\x80\xaf", 5), 2, "utf8: overlong 3-byte");
	is_int(mdx_utf8_check("\xf0\x80\x80\xaf", 4), 0,
	    "utf8: overlong 4-byte");
	is_int(mdx_utf8_check("x\xed\xa0\x80", 4), 1, "utf8: surrogate D800");
	is_int(mdx_utf8_check("x\xed\xbf\xbf", 4), 1, "utf8: surrogate DFFF");
	is_int(mdx_utf8_check("\xed\x9f\xbf", 3), -1, "utf8: U+D7FF is good");
	is_int(mdx_utf8_check("\xf4\x90\x80\x80", 4), 0,
	    "utf8: above U+10FFFF");
	is_int(mdx_utf8_check("\xf5\x80\x80\x80", 4), 0, "utf8: F5 lead");
	is_int(mdx_utf8_check("\xff", 1), 0, "utf8: FF");
	is_int(mdx_utf8_check("abcdefgh\x80", 9), 8,
	    "utf8: lone continuation after a word");
	is_int(mdx_utf8_check("abcdefg\xe2\x82", 9), 7,
	    "utf8: truncated at the end");
	is_int(mdx_utf8_check("abcdefg\xe2\x82x", 10), 7,
	    "utf8: truncated before ascii");
	is_int(mdx_utf8_check("abcdefghijklmno\0p", 17), 15, "utf8: NUL");
	is_int(mdx_utf8_check("\0", 1), 0, "utf8: NUL alone");
	is_int(mdx_utf8_check("0123456789abcdef\x01\x7f", 18), -1,
	    "utf8: control characters other than NUL are valid UTF-8");
}

/*
 * The reader finds newlines and tells plain ASCII lines in one pass, and
 * mdx_utf8_check() skips sixteen plain bytes at a time: a bad byte at any
 * place of a long line, just before or just after a newline, must still be
 * found at its column.
 */
static void
test_scan(void)
{
	static const char badbytes[] = { '\xff', '\0', '\xc3' };
	char text[128], want[512], name[16];
	size_t b;
	int i, wrong;

	for (b = 0; b < sizeof(badbytes); b++) {
		wrong = 0;
		for (i = 0; i < 100; i++) {
			if (i == 60)
				continue;	/* the newline */
			memset(text, 'a', 60);
			text[60] = '\n';
			memset(text + 61, 'b', 39);
			text[100] = '\n';
			text[i] = badbytes[b];
			snprintf(name, sizeof(name), "scan%zu-%d", b, i);
			put(name, text, 101);
			if (i < 60)
				snprintf(want, sizeof(want),
				    "B D/%s:1 60 %s at column %d\n"
				    "L D/%s:2 %.39s\n", name,
				    badbytes[b] == '\0' ? "NUL byte" :
				    "invalid UTF-8", i + 1, name, text + 61);
			else
				snprintf(want, sizeof(want),
				    "L D/%s:1 %.60s\n"
				    "B D/%s:2 39 %s at column %d\n", name, text,
				    name, badbytes[b] == '\0' ? "NUL byte" :
				    "invalid UTF-8", i - 60);
			if (strcmp(rel(one(name, 0)), want) != 0) {
				printf("# %s: %s", name, rel(one(name, 0)));
				wrong++;
			}
			if (mdx_utf8_check(text + (i < 60 ? 0 : 61),
			    i < 60 ? 60 : 39) != (i < 60 ? i : i - 61))
				wrong++;
		}
		ok(wrong == 0, "a bad byte is found at every column, before "
		    "and after a newline");
	}
}

static void
test_plain(void)
{
	char *p[3];

	PUTS("a", "{\"a\":1}\n\n{\"b\":2}\r\n  \n{\"c\":3}");
	is_str(rel(one("a", 0)),
	    "L D/a:1 {\"a\":1}\n"
	    "L D/a:3 {\"b\":2}\n"
	    "L D/a:5 {\"c\":3}\n",
	    "blank lines skipped but counted, CRLF, no final newline");

	put("empty", "", 0);
	is_str(one("empty", 0), "", "empty input gives nothing");

	put("nl", "\n\n\r\n", 4);
	is_str(one("nl", 0), "", "only blank lines give nothing");

	put("cr", "a\r\r\nb\rc\n", 8);
	is_str(rel(one("cr", 0)), "L D/cr:1 a\r\nL D/cr:2 b\rc\n",
	    "only one trailing CR is removed; inner CRs stay");

	put("nul", "ok\nab\0cd\nafter\n", 15);
	is_str(rel(one("nul", 0)),
	    "L D/nul:1 ok\nB D/nul:2 5 NUL byte at column 3\n"
	    "L D/nul:3 after\n", "NUL byte rejected with its column");

	put("utf", "\"caf\xc3\xa9\"\n\"x\xc0\xaf\"\n\"\xed\xa0\x80\"\n"
	    "\"\xf4\x90\x80\x80\"\n\"\xe2\x82\"\nend\n", 36);
	is_str(rel(one("utf", 0)),
	    "L D/utf:1 \"caf\xc3\xa9\"\n"
	    "B D/utf:2 5 invalid UTF-8 at column 3\n"
	    "B D/utf:3 5 invalid UTF-8 at column 2\n"
	    "B D/utf:4 6 invalid UTF-8 at column 2\n"
	    "B D/utf:5 4 invalid UTF-8 at column 2\n"
	    "L D/utf:6 end\n",
	    "overlong, surrogate, beyond U+10FFFF, truncated: rejected");

	put("b", "x\n", 2);
	put("c", "y1\ny2", 5);
	p[0] = path("b");
	p[1] = path("missing");
	p[2] = path("c");
	is_str(rel(transcript(p, 3, 0)),
	    "L D/b:1 x\n"
	    "E D/missing:1 74 cannot open 'D/missing': No such file or "
	    "directory\n"
	    "L D/c:1 y1\nL D/c:2 y2\n",
	    "several files: positions per file; a missing one is an error "
	    "and reading goes on");

	p[0] = dir;
	is_str(rel(transcript(p, 1, 0)),
	    "E D:1 74 read error on 'D': Is a directory\n",
	    "a directory is an I/O error");
}

static void
test_maxline(void)
{
	struct mdx_buf b = MDX_BUF_INIT;
	char want[512];
	int i;

	/* Lines of exactly 10 bytes are good, 11 are too long. */
	mdx_buf_addstr(&b, "0123456789\n");		/* 10: good */
	mdx_buf_addstr(&b, "0123456789A\n");	/* 11: bad */
	mdx_buf_addstr(&b, "0123456789\r\n");	/* 10 + CR: good */
	mdx_buf_addstr(&b, "0123456789AB\r\n");	/* 12 + CR: bad */
	mdx_buf_addstr(&b, "short\n");
	for (i = 0; i < 100; i++)			/* 1000: bad */
		mdx_buf_addstr(&b, "abcdefghij");
	mdx_buf_addstr(&b, "\nlast\n0123456789A");	/* 11, no newline */
	put("long", b.data, b.len);
	snprintf(want, sizeof(want),
	    "L D/long:1 0123456789\n"
	    "B D/long:2 10 line too long (more than 10 bytes)\n"
	    "L D/long:3 0123456789\n"
	    "B D/long:4 10 line too long (more than 10 bytes)\n"
	    "L D/long:5 short\n"
	    "B D/long:6 10 line too long (more than 10 bytes)\n"
	    "L D/long:7 last\n"
	    "B D/long:8 10 line too long (more than 10 bytes)\n");
	is_str(rel(one("long", 10)), want,
	    "maximum length: exactly max is good, max + 1 is bad, reading "
	    "resumes after the newline");

	/* With the default maximum, lines around 1 MiB, larger than one
	 * read chunk, so lines straddle reads. */
	mdx_buf_reset(&b);
	for (i = 0; i < MDX_MAXLINE_DEFAULT; i++)
		mdx_buf_addch(&b, 'a' + i % 26);
	mdx_buf_addch(&b, '\n');
	for (i = 0; i < MDX_MAXLINE_DEFAULT + 1; i++)
		mdx_buf_addch(&b, 'a' + i % 26);
	mdx_buf_addstr(&b, "\nafter\n");
	for (i = 0; i < 3 * MDX_MAXLINE_DEFAULT; i++)
		mdx_buf_addch(&b, 'x');
	mdx_buf_addstr(&b, "\nend");
	put("big", b.data, b.len);
	{
		struct mdx_reader *r;
		const char *line;
		size_t len;
		char *p[1] = { path("big") };
		int rc;

		r = mdx_reader_open(p, 1);
		rc = mdx_reader_next(r, &line, &len);
		ok(rc == MDX_RD_LINE && len == MDX_MAXLINE_DEFAULT &&
		    memcmp(line, b.data, len) == 0 && line[len] == '\0',
		    "a line of exactly 1 MiB is read whole");
		rc = mdx_reader_next(r, &line, &len);
		ok(rc == MDX_RD_BAD && len == MDX_MAXLINE_DEFAULT &&
		    mdx_reader_pos(r).line == 2 &&
		    memcmp(line, b.data, len) == 0,
		    "1 MiB + 1 is too long and its first 1 MiB handed back");
		is_str(mdx_reader_error(r),
		    "line too long (more than 1048576 bytes)",
		    "the too-long reason names the maximum");
		rc = mdx_reader_next(r, &line, &len);
		ok(rc == MDX_RD_LINE && strcmp(line, "after") == 0 &&
		    mdx_reader_pos(r).line == 3, "reading resumes after it");
		rc = mdx_reader_next(r, &line, &len);
		ok(rc == MDX_RD_BAD && mdx_reader_pos(r).line == 4,
		    "a 3 MiB line is one bad line");
		rc = mdx_reader_next(r, &line, &len);
		ok(rc == MDX_RD_LINE && strcmp(line, "end") == 0 &&
		    mdx_reader_pos(r).line == 5, "and the next is line 5");
		rc = mdx_reader_next(r, &line, &len);
		is_int(rc, MDX_RD_EOF, "then the end");
		mdx_reader_close(r);
	}
	mdx_buf_free(&b);
}

static void
test_compressed(void)
{
	struct mdx_buf b = MDX_BUF_INIT;
	char *p[3];
	int i;

	put_compressed("a.gz", "{\"a\":1}\n\n{\"b\":2}\r\n", 18,
	    ARCHIVE_FILTER_GZIP, 0);
	is_str(rel(one("a.gz", 0)), "L D/a.gz:1 {\"a\":1}\nL D/a.gz:3 "
	    "{\"b\":2}\n", "gzip input");
	put_compressed("a.xz", "x\ny", 3, ARCHIVE_FILTER_XZ, 0);
	is_str(rel(one("a.xz", 0)), "L D/a.xz:1 x\nL D/a.xz:2 y\n",
	    "xz input");
	put_compressed("a.bz2", "x\ny", 3, ARCHIVE_FILTER_BZIP2, 0);
	is_str(rel(one("a.bz2", 0)), "L D/a.bz2:1 x\nL D/a.bz2:2 y\n",
	    "bzip2 input");
	put_compressed("a.zst", "x\ny", 3, ARCHIVE_FILTER_ZSTD, 0);
	is_str(rel(one("a.zst", 0)), "L D/a.zst:1 x\nL D/a.zst:2 y\n",
	    "zstd input");
	{
		/* Two gzip members one after the other, as cat(1) makes. */
		struct mdx_buf two = MDX_BUF_INIT;
		char part[4096];
		size_t n1;
		FILE *f;

		put_compressed("m1.gz", "m1\nm2\n", 6, ARCHIVE_FILTER_GZIP, 0);
		put_compressed("m2.gz", "m3\n", 3, ARCHIVE_FILTER_GZIP, 0);
		f = fopen(path("m1.gz"), "rb");
		n1 = fread(part, 1, sizeof(part), f);
		fclose(f);
		mdx_buf_add(&two, part, n1);
		f = fopen(path("m2.gz"), "rb");
		mdx_buf_add(&two, part, fread(part, 1, sizeof(part), f));
		fclose(f);
		put("mm.gz", two.data, two.len);
		is_str(rel(one("mm.gz", 0)), "L D/mm.gz:1 m1\nL D/mm.gz:2 m2\n"
		    "L D/mm.gz:3 m3\n", "concatenated gzip members");
		mdx_buf_free(&two);
	}
	put_compressed("e.gz", "", 0, ARCHIVE_FILTER_GZIP, 0);
	is_str(one("e.gz", 0), "", "gzip of empty input gives nothing");

	/* A truncated gzip: lines before the cut, then an error. */
	for (i = 0; i < 20000; i++)
		mdx_buf_printf(&b, "{\"n\":%d,\"pad\":\"%08x\"}\n", i,
		    (unsigned)i * 2654435761u);
	put_compressed("t.gz", b.data, b.len, ARCHIVE_FILTER_GZIP, 100);
	put("after", "after\n", 6);
	p[0] = path("t.gz");
	p[1] = path("after");
	{
		const char *t = rel(transcript(p, 2, 0));
		const char *e = strstr(t, "\nE ");

		ok(strncmp(t, "L D/t.gz:1 {\"n\":0,", 18) == 0 && e != NULL,
		    "truncated gzip: lines, then an error");
		ok(e != NULL && strncmp(e, "\nE D/t.gz:", 10) == 0 &&
		    strstr(e, " 65 cannot read 'D/t.gz': ") != NULL,
		    "truncated gzip: status 65 naming the file");
		{
			/* The error's line follows the last good one. */
			const char *l = e;
			unsigned long last, at;

			while (l > t && l[-1] != '\n')
				l--;
			ok(e != NULL && sscanf(l, "L D/t.gz:%lu", &last) == 1 &&
			    sscanf(e, "\nE D/t.gz:%lu", &at) == 1 &&
			    at == last + 1,
			    "truncated gzip: the position is the next line");
		}
		ok(e != NULL && strstr(e, "\nL D/after:1 after\n") != NULL,
		    "truncated gzip: the next file is read");
		if (e != NULL)
			printf("# %.*s\n", (int)strcspn(e + 1, "\n"), e + 1);
	}
	{
		static const struct {
			const char *name;
			int filter;
		} f[] = {
			{ "t.xz", ARCHIVE_FILTER_XZ },
			{ "t.zst", ARCHIVE_FILTER_ZSTD },
			{ "t.bz2", ARCHIVE_FILTER_BZIP2 },
		};
		const char *t, *e;
		char want[80];
		size_t k;

		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			put_compressed(f[k].name, b.data, b.len, f[k].filter,
			    50);
			t = rel(one(f[k].name, 0));
			/* The error line, last; bzip2 loses its whole (single)
			 * block, so no lines may come before it. */
			if (strncmp(t, "E ", 2) == 0)
				e = t;
			else if ((e = strstr(t, "\nE ")) != NULL)
				e++;
			snprintf(want, sizeof(want), " 65 cannot read 'D/%s': ",
			    f[k].name);
			ok(e != NULL && strstr(e, want) != NULL &&
			    strchr(e, '\n') == e + strlen(e) - 1, f[k].name);
			printf("# %s", e != NULL ? e : "(no error)\n");
		}
	}
	put("tiny.gz", "\x1f\x8b", 2);
	is_str(rel(one("tiny.gz", 0)), "E D/tiny.gz:1 65 cannot read "
	    "'D/tiny.gz': "
	    "truncated compressed data\n", "a two-byte gzip is truncated");
	put("hdr.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	{
		const char *t = rel(one("hdr.gz", 0));

		ok(strncmp(t, "E D/hdr.gz:1 65 cannot read 'D/hdr.gz': ",
		    40) == 0,
		    "a gzip header without data is an error");
		printf("# %s", t);
	}
	put("junk.gz", "\x1f\x8bthis is not gzip at all\n", 26);
	ok(strncmp(rel(one("junk.gz", 0)), "E D/junk.gz:1 65 cannot read "
	    "'D/junk.gz': ", 42) == 0, "corrupt gzip is an error");
	mdx_buf_free(&b);
}

static void
test_stdin(void)
{
	char *p[2];
	int fd, saved;

	put("in", "s1\ns2\n", 6);
	put("f", "f1\n", 3);
	saved = dup(0);
	fd = open(path("in"), O_RDONLY);
	dup2(fd, 0);
	close(fd);
	p[0] = path("f");
	p[1] = "-";
	is_str(rel(transcript(p, 2, 0)),
	    "L D/f:1 f1\nL stdin:1 s1\nL stdin:2 s2\n",
	    "\"-\" reads standard input, named stdin");
	fd = open(path("in"), O_RDONLY);
	dup2(fd, 0);
	close(fd);
	is_str(transcript(NULL, 0, 0), "L stdin:1 s1\nL stdin:2 s2\n",
	    "no paths reads standard input");

	/*
	 * A producer that writes one short line and waits: the line comes
	 * out at once, the reader does not wait for more bytes to tell the
	 * format.  alarm() ends the test if it hangs.
	 */
	{
		struct mdx_reader *r;
		const char *line;
		size_t len;
		int a[2], b[2], rc;
		pid_t pid;
		char c = 0;

		if (pipe(a) == -1 || pipe(b) == -1)
			return;
		if ((pid = fork()) == 0) {
			close(a[0]);
			(void)!write(a[1], "{}\n", 3);
			(void)!read(b[0], &c, 1);
			_exit(0);
		}
		close(a[1]);
		close(b[0]);
		dup2(a[0], 0);
		close(a[0]);
		alarm(10);
		r = mdx_reader_open(NULL, 0);
		rc = mdx_reader_next(r, &line, &len);
		ok(rc == MDX_RD_LINE && strcmp(line, "{}") == 0,
		    "a short first line from a pipe comes out at once");
		alarm(0);
		(void)!write(b[1], "x", 1);
		close(b[1]);
		rc = mdx_reader_next(r, &line, &len);
		is_int(rc, MDX_RD_EOF, "then the end when the producer exits");
		mdx_reader_close(r);
		waitpid(pid, NULL, 0);
	}
	dup2(saved, 0);
	close(saved);
}

/*
 * Runs fn in a child with stdout on fd and stderr into a file; returns the
 * wait status and the child's stderr in err.
 */
static int
child(void (*fn)(void), int fd, int ignore_pipe, char *err, size_t errsz)
{
	pid_t pid;
	int st, efd;
	ssize_t n;

	efd = open(path("stderr"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(fd, 1);
		dup2(efd, 2);
		mdx_init("wtest");
		if (ignore_pipe)
			signal(SIGPIPE, SIG_IGN);
		fn();
		mdx_writer_close(mdx_stdout());
		_exit(0);
	}
	waitpid(pid, &st, 0);
	n = pread(efd, err, errsz - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(efd);
	return st;
}

static void
write_lots(void)
{
	char line[100];
	int i;

	memset(line, 'x', sizeof(line));
	for (i = 0; i < 100000; i++)
		mdx_write_line(mdx_stdout(), line, sizeof(line));
}

static void
write_small(void)
{
	mdx_write_line(mdx_stdout(), "one line", 8);
}

static void
test_writer(void)
{
	struct mdx_writer *w;
	struct mdx_buf want = MDX_BUF_INIT;
	char err[512], *big, *got;
	int fds[2], st, fd, i;
	size_t n;
	FILE *f;

	/* Content: small, large and buffer-sized writes come out in order. */
	fd = open(path("wout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	w = mdx_writer_fd(fd, "wout");
	big = malloc(200000);
	for (i = 0; i < 200000; i++)
		big[i] = 'A' + i % 26;
	for (i = 0; i < 50; i++) {
		mdx_write_line(w, "line", 4);
		mdx_buf_add(&want, "line\n", 5);
		mdx_write(w, big, i * 3001);
		mdx_buf_add(&want, big, i * 3001);
		mdx_write(w, "", 0);
	}
	mdx_write(w, big, 65536);
	mdx_buf_add(&want, big, 65536);
	mdx_write_line(w, big, 65535);
	mdx_buf_add(&want, big, 65535);
	mdx_buf_addch(&want, '\n');
	mdx_writer_close(w);
	got = malloc(want.len + 1);
	f = fopen(path("wout"), "rb");
	n = fread(got, 1, want.len + 1, f);
	fclose(f);
	ok(n == want.len && memcmp(got, want.data, n) == 0,
	    "writer: everything written, in order");
	free(got);
	free(big);
	mdx_buf_free(&want);

	/* A non-blocking pipe that fills up: the writer waits. */
	if (pipe(fds) == 0) {
		char buf[4096];
		size_t total = 0;
		ssize_t k;
		pid_t pid;

		fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
		fflush(stdout);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			dup2(fds[1], 1);
			write_lots();
			mdx_writer_close(mdx_stdout());
			_exit(0);
		}
		close(fds[1]);
		while ((k = read(fds[0], buf, sizeof(buf))) > 0) {
			total += k;
			if (total % 65536 == 0)
				usleep(1000);
		}
		close(fds[0]);
		waitpid(pid, &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		    total == 100000 * 101,
		    "non-blocking output: everything written, status 0");
	}

	/* A closed pipe with SIGPIPE ignored: EPIPE, exit 141, silent. */
	pipe(fds);
	close(fds[0]);
	st = child(write_lots, fds[1], 1, err, sizeof(err));
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 141,
	    "closed pipe (EPIPE): exit status 141");
	is_str(err, "", "closed pipe (EPIPE): nothing on stderr");
	st = child(write_small, fds[1], 1, err, sizeof(err));
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 141,
	    "closed pipe: a short write fails at close with 141");
	/* With SIGPIPE at its default, as mdx_init() leaves it. */
	st = child(write_lots, fds[1], 0, err, sizeof(err));
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	    "closed pipe (SIGPIPE): ended by the signal");
	is_str(err, "", "closed pipe (SIGPIPE): nothing on stderr");
	close(fds[1]);

	if ((fd = open("/dev/full", O_WRONLY)) == -1) {
		ok(0, "/dev/full cannot be opened");
		return;
	}
	st = child(write_lots, fd, 0, err, sizeof(err));
	ok(WIFEXITED(st) && WEXITSTATUS(st) == MDX_EX_IOERR,
	    "/dev/full: exit status 74");
	is_str(err, "wtest: write error on 'stdout': No space left on "
	    "device\n", "/dev/full: message names the output");
	st = child(write_small, fd, 0, err, sizeof(err));
	ok(WIFEXITED(st) && WEXITSTATUS(st) == MDX_EX_IOERR,
	    "/dev/full: a short write fails at close with 74");
	close(fd);
}

/* Writes one good line for cat(). */
static int
cat_line(const char *line, size_t len, struct mdx_pos pos, void *arg)
{
	mdx_write_line(mdx_stdout(), line, len);
	return 0;
}

static int
cat(char **paths, int n)
{
	struct mdx_reader *r = mdx_reader_open(paths, n);
	const char *max;
	unsigned long nbad;

	if ((max = getenv("MAXLINE")) != NULL)
		mdx_reader_set_maxline(r, strtoul(max, NULL, 10));
	nbad = tap_each_line(r, cat_line, NULL, NULL);
	mdx_reader_close(r);
	mdx_writer_close(mdx_stdout());
	return nbad > 0 ? MDX_EX_DATAERR : 0;
}

static unsigned long rnd_state = 12345;

static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rnd_state >> 33) % n;
}

/* The reader's rules, written the simple way: split, strip, check. */
static void
reference(const char *s, size_t n, size_t maxline, struct mdx_buf *t)
{
	size_t i = 0, j, len;
	unsigned long line = 0;
	long bad;

	while (i < n) {
		for (j = i; j < n && s[j] != '\n'; j++)
			;
		line++;
		len = j - i;
		if (len > 0 && s[i + len - 1] == '\r')
			len--;
		if (len > maxline)
			mdx_buf_printf(t, "B %lu %zu line too long (more than "
			    "%zu bytes)\n", line, maxline, maxline);
		else if (len == 0 || strspn(s + i, " \t") >= len)
			;
		else if ((bad = mdx_utf8_check(s + i, len)) >= 0)
			mdx_buf_printf(t, "B %lu %zu %s at column %ld\n", line,
			    len, s[i + bad] ? "invalid UTF-8" : "NUL byte",
			    bad + 1);
		else {
			mdx_buf_printf(t, "L %lu ", line);
			mdx_buf_add(t, s + i, len);
			mdx_buf_addch(t, '\n');
		}
		i = j + 1;
	}
}

/*
 * Random input of a few MiB, more than one read, written through a pipe in
 * random pieces: the reader must agree with the reference line by line.
 */
static void
test_random(void)
{
	static const char *const pieces[] = {
		"a", "{\"k\":1}", " ", "\t", "\r", "\r\n", "\n", "\n\n",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc0\xaf",
		"\xed\xa0\x80", "\xe2\x82", "\x80", "\0",
		"0123456789abcdefghijklmnopqrstuvwxyz"
	};
	struct mdx_buf in = MDX_BUF_INIT, want = MDX_BUF_INIT, got =
	    MDX_BUF_INIT;
	struct mdx_reader *r;
	const char *line;
	size_t len, maxline, off, k;
	int round, rc, fds[2], saved;
	unsigned i;
	pid_t pid;

	for (round = 0; round < 4; round++) {
		maxline = round == 0 ? 1 : round == 1 ? 7 : round == 2 ? 100 :
		    5000;
		mdx_buf_reset(&in);
		mdx_buf_reset(&want);
		mdx_buf_reset(&got);
		while (in.len < 3 * 1024 * 1024) {
			i = rnd(sizeof(pieces) / sizeof(pieces[0]) + 4);
			/* Bad bytes (pieces 11 to 15) rarely, so that long
			 * good lines happen too. */
			if (i >= 11 && i <= 15 && rnd(maxline) > 3)
				continue;
			if (i < sizeof(pieces) / sizeof(pieces[0]))
				mdx_buf_add(&in, pieces[i], pieces[i][0] ?
				    strlen(pieces[i]) : 1);
			else	/* long runs of plain text */
				for (k = rnd(maxline * 2 + 2); k > 0; k--)
					mdx_buf_addch(&in, 'x');
		}
		reference(in.data, in.len, maxline, &want);

		if (pipe(fds) == -1)
			return;
		fflush(stdout);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			for (off = 0; off < in.len; off += k) {
				k = 1 + rnd(round % 2 ? 100 : 300000);
				if (k > in.len - off)
					k = in.len - off;
				if (write(fds[1], in.data + off, k) != (ssize_t)k)
					_exit(1);
			}
			_exit(0);
		}
		close(fds[1]);
		saved = dup(0);
		dup2(fds[0], 0);
		close(fds[0]);
		/* Slow producers meet a non-blocking pipe. */
		if (round % 2)
			fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		r = mdx_reader_open(NULL, 0);
		mdx_reader_set_maxline(r, maxline);
		while ((rc = mdx_reader_next(r, &line, &len)) != MDX_RD_EOF) {
			if (rc == MDX_RD_LINE) {
				mdx_buf_printf(&got, "L %lu ",
				    mdx_reader_pos(r).line);
				mdx_buf_add(&got, line, len);
				mdx_buf_addch(&got, '\n');
			} else if (rc == MDX_RD_BAD)
				mdx_buf_printf(&got, "B %lu %zu %s\n",
				    mdx_reader_pos(r).line, len,
				    mdx_reader_error(r));
			else {
				mdx_buf_printf(&got, "E %s\n",
				    mdx_reader_error(r));
				break;
			}
		}
		mdx_reader_close(r);
		dup2(saved, 0);
		close(saved);
		waitpid(pid, NULL, 0);
		{
			unsigned long nl = 0, nb = 0;
			const char *q;

			for (q = want.data; (q = strchr(q, '\n')) != NULL; q++)
				if (q[1] == 'L')
					nl++;
				else if (q[1] == 'B')
					nb++;
			printf("# maxline %zu: %lu good and %lu bad lines\n",
			    maxline, nl, nb);
		}
		if (!ok(got.len == want.len &&
		    memcmp(got.data, want.data, got.len) == 0,
		    round % 2 ? "random input through a non-blocking pipe "
		    "agrees with the reference" : "random input through a "
		    "pipe agrees with the reference"))
			printf("#   maxline %zu, %zu bytes in, want %zu bytes, "
			    "got %zu\n", maxline, in.len, want.len, got.len);
	}
	mdx_buf_free(&in);
	mdx_buf_free(&want);
	mdx_buf_free(&got);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "cat") == 0) {
		mdx_init(argv[0]);
		return cat(argv + 2, argc - 2);
	}
	tap_scratch(dir);
	test_utf8();
	test_plain();
	test_scan();
	test_maxline();
	test_compressed();
	test_stdin();
	test_random();
	test_writer();
	tap_scratch_remove(dir);
	return done_testing();
}
