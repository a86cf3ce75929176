/*
 * ndjson.h - the NDJSON reader.
 *
 * Reads lines from standard input or a list of files, one after the other.
 * Compressed input (gzip, zstd, xz, bzip2) is recognised by its magic bytes
 * and decompressed through libarchive.  A trailing CR is removed (CRLF
 * input).  Blank lines (empty, or only spaces and tabs) are skipped but
 * counted.  A line longer than the maximum (not counting its newline and
 * CR), with invalid UTF-8 or an embedded NUL is reported as bad, with the
 * reason, and reading goes on at the next line.  The last line of an input
 * needs no newline.  Line numbers start at 1 in each input.  An input that
 * is a pipe is widened to 1 MiB where the system allows it (Linux), so that
 * a fast reader does not wake up for every 64 KiB.
 *
 * Bad-line reasons: "line too long (more than N bytes)", "invalid UTF-8 at
 * column C", "NUL byte at column C" (C counts bytes from 1).  Input errors
 * name the input: "cannot open 'F': ...", "read error on 'F': ...",
 * "cannot read 'F': truncated gzip input", for a gzip member whose data
 * does not match its CRC-32 or length (or does not inflate)
 * "cannot read 'F': corrupt gzip data after byte N: incorrect data check",
 * and for bytes after the last
 * compressed member that are not a whole member (a cut or garbage):
 * "cannot read 'F': truncated or corrupt compressed data after byte N".
 *
 * After MDX_RD_ERR the rest of that input is skipped, and the next call
 * goes on with the next input; a program that must not lose data ends with
 * mdx_reader_error_status() instead:
 *
 *	while ((rc = mdx_reader_next(r, &line, &len)) != MDX_RD_EOF) {
 *		if (rc == MDX_RD_ERR)
 *			mdx_die(mdx_reader_error_status(r), "%s",
 *			    mdx_reader_error(r));
 *		pos = mdx_reader_pos(r);
 *		if (rc == MDX_RD_BAD) {
 *			mdx_warn("bad line: %s (at %s:%lu)",
 *			    mdx_reader_error(r), pos.name, pos.line);
 *			continue;
 *		}
 *		...
 *	}
 */
#ifndef MDX_NDJSON_H
#define MDX_NDJSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MDX_MAXLINE_DEFAULT (1024 * 1024)

enum mdx_rd {
	MDX_RD_EOF = 0,		/* no more lines in any input */
	MDX_RD_LINE = 1,	/* *line holds a good line */
	MDX_RD_BAD = -1,	/* this line is bad; see mdx_reader_error() */
	MDX_RD_ERR = -2		/* the input cannot be read further (I/O
				   error, truncated or corrupt compression);
				   see mdx_reader_error() and
				   mdx_reader_error_status() */
};

struct mdx_reader;

/*
 * Opens a reader over paths[0..n-1]; "-" means standard input, and n == 0
 * reads standard input alone.  A file that cannot be opened is reported by
 * mdx_reader_next() as MDX_RD_ERR when the reader reaches it.
 */
struct mdx_reader *mdx_reader_open(char *const *paths, int n);
void mdx_reader_close(struct mdx_reader *r);
/* Sets the maximum line length in bytes (default MDX_MAXLINE_DEFAULT). */
void mdx_reader_set_maxline(struct mdx_reader *r, size_t max);

/*
 * Returns the next line.  On MDX_RD_LINE, *line points to the line without
 * its newline, NUL-terminated, valid until the next call; *len is its
 * length.  On MDX_RD_BAD, *line and *len hold the bad line (cut at the
 * maximum length) so it can be passed to a rejects stream.
 */
int mdx_reader_next(struct mdx_reader *r, const char **line, size_t *len);

/* The position of the line last returned ("stdin" or the path as given);
 * after MDX_RD_ERR, of the line that could not be read. */
struct mdx_pos mdx_reader_pos(const struct mdx_reader *r);

/* The reason for the last MDX_RD_BAD or MDX_RD_ERR ("line too long"). */
const char *mdx_reader_error(const struct mdx_reader *r);

/* The exit status an MDX_RD_ERR calls for: MDX_EX_IOERR for I/O errors,
 * MDX_EX_DATAERR for corrupt or truncated compressed data. */
int mdx_reader_error_status(const struct mdx_reader *r);

/*
 * mdx_reader_next() for the usual loop of a program that reads records:
 * every line, good or bad, is counted in *nread; a bad line is warned
 * about ("bad line: REASON (at FILE:LINE)"), counted in *bad and skipped.
 * An input that cannot be read on ends the loop: with status NULL the
 * program ends (mdx_die() with mdx_reader_error_status()); otherwise the
 * error is warned about ("REASON (at FILE:LINE)"), its exit status is
 * stored in *status, and the caller finishes what it read.  Returns 1
 * with a good line in *line and *len, 0 at the end of the input or after
 * such an error.
 */
int mdx_reader_line(struct mdx_reader *r, const char **line, size_t *len,
    uint64_t *nread, uint64_t *bad, int *status);

/*
 * The checked writer.
 *
 * Buffered writes to a file descriptor.  Every write is checked: EPIPE ends
 * the program quietly with the status a SIGPIPE gives (141), any other
 * error exits MDX_EX_IOERR naming the output ("write error on 'stdout':
 * No space left on device").  Nothing is flushed at exit on its own:
 * programs call mdx_writer_close(mdx_stdout()) before they return from
 * main(), so a failed last write is still reported and changes the exit
 * status.  mdx_die() does not flush these writers.
 */
struct mdx_writer;

struct mdx_writer *mdx_writer_fd(int fd, const char *name);
/* The writer for standard output, created on first use. */
struct mdx_writer *mdx_stdout(void);
void mdx_write(struct mdx_writer *w, const void *p, size_t n);
/* Writes p[0..n) and a newline. */
void mdx_write_line(struct mdx_writer *w, const void *p, size_t n);
void mdx_writer_flush(struct mdx_writer *w);
/* Flushes and closes (standard output is flushed, not closed). */
void mdx_writer_close(struct mdx_writer *w);

#endif /* MDX_NDJSON_H */
