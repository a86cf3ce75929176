/*
 * mdx-transform - raw NDJSON to validated canonical records, with rejects
 * and their reasons.  See mdx-transform(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "candle.h"

#include "dedup.h"
#include "transform.h"

#define WINDOW_DEFAULT 16384
#define SHOW_REJECTS 10		/* rejects shown at verbosity 1 */

static const char usage_text[] =
    "usage: mdx-transform [-qsv] [-r file] [-w window] [file ...]\n"
    "       mdx-transform -h | -V\n"
    "  -r, --rejects file  write rejected records to file (NDJSON)\n"
    "  -s, --strict        exit 65 when any record is rejected\n"
    "  -w, --window n      candles held to drop duplicates (default 16384;\n"
    "                      0 keeps duplicates)\n"
    MDX_OPT_HELP;

struct counts {
	unsigned long read, written, rejected, duplicates, headers;
};

/* Writes one reject: a message on stderr and a record in the rejects file. */
static void
reject(struct mdx_writer *rw, struct mdx_buf *b, struct mdx_pos pos,
    const char *reason, const char *line, size_t len, unsigned long n)
{
	if (mdx_verbose >= 2 || (mdx_verbose >= 1 && n <= SHOW_REJECTS))
		mdx_warn("%s (at %s:%lu)", reason, pos.name, pos.line);
	if (mdx_verbose == 1 && n == SHOW_REJECTS + 1)
		mdx_warn("more rejects not shown (see --rejects)");
	if (rw == NULL)
		return;
	mdx_buf_reset(b);
	mdx_buf_addstr(b, "{\"input\":");
	mdx_buf_add_json_str(b, pos.name, strlen(pos.name));
	mdx_buf_printf(b, ",\"line\":%lu,\"reason\":", pos.line);
	mdx_buf_add_json_str(b, reason, strlen(reason));
	mdx_buf_addstr(b, ",\"record\":");
	mdx_buf_add_json_str(b, line, len);
	mdx_buf_addch(b, '}');
	mdx_write_line(rw, b->data, b->len);
}

/* The state of a run. */
struct run {
	struct mdx_writer *w;		/* standard output */
	struct mdx_writer *rw;		/* the rejects file, or NULL */
	struct mdx_dedup *dd;		/* NULL with --window 0 */
	struct mdx_buf out, rb;
	struct counts n;
};

static void
write_candle(struct run *t, const struct mdx_candle *c)
{
	mdx_buf_reset(&t->out);
	mdx_candle_to_json(c, &t->out);
	mdx_write_line(t->w, t->out.data, t->out.len);
	t->n.written++;
}

/*
 * Reads every input line, writes what it becomes and rejects the rest.
 * Returns the reader's last status: MDX_RD_EOF, or MDX_RD_ERR when an
 * input could not be read to its end.
 */
static int
transform_all(struct run *t, struct mdx_reader *rd)
{
	struct mdx_tx_out o = { .line = MDX_BUF_INIT, .tmp = MDX_BUF_INIT };
	struct mdx_json_doc *doc;
	const struct mdx_candle *ev;
	struct mdx_json *root;
	const char *line;
	char err[MDX_ERRSZ + 64];
	size_t len;
	int r, k;

	doc = mdx_json_doc_new();
	while ((r = mdx_reader_next(rd, &line, &len)) != MDX_RD_EOF &&
	    r != MDX_RD_ERR) {
		t->n.read++;
		if (r == MDX_RD_BAD) {
			snprintf(err, sizeof(err), "bad record: %s",
			    mdx_reader_error(rd));
			k = -1;
		} else if ((k = mdx_transform_fast_trade(line, len, &o)) != 0)
			;	/* raw Binance trades */
		else if ((k = mdx_transform_fast(line, len, &o)) != 0)
			;	/* raw Binance klines, mostly */
		else if ((root = mdx_json_parse(doc, line, len)) == NULL) {
			snprintf(err, sizeof(err), "bad record: not JSON: %s",
			    mdx_json_error(doc));
			k = -1;
		} else
			k = mdx_transform(root, &o, err, sizeof(err));
		switch (k) {
		case MDX_TX_CANDLE:
			ev = &o.candle;
			if (t->dd != NULL && mdx_dedup_put(t->dd, &o.candle,
			    &ev)) {
				t->n.duplicates++;
				break;
			}
			if (ev != NULL)
				write_candle(t, ev);
			break;
		case MDX_TX_LINE:
			mdx_write_line(t->w, o.line.data, o.line.len);
			t->n.written++;
			break;
		case MDX_TX_HEADER:
			t->n.read--;
			t->n.headers++;
			break;
		default:
			reject(t->rw, &t->rb, mdx_reader_pos(rd), err, line,
			    len, ++t->n.rejected);
			break;
		}
	}
	while (t->dd != NULL && (ev = mdx_dedup_pop(t->dd)) != NULL)
		write_candle(t, ev);
	mdx_json_doc_free(doc);
	mdx_tx_out_free(&o);
	return r;
}

/* Parses the options; returns the index of the first operand. */
static int
options(int argc, char *argv[], int *strict, const char **rejects,
    unsigned long *window)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		MDX_OPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "sr:w:" MDX_OPT_SHORT, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			*strict = 1;
			break;
		case 'r':
			*rejects = optarg;
			break;
		case 'w':
			*window = mdx_opt_num("--window", optarg, 0, 10000000);
			break;
		default:
			mdx_opt_common(ch);
		}
	}
	return optind;
}

int
main(int argc, char *argv[])
{
	struct run t = { NULL, NULL, NULL, MDX_BUF_INIT, MDX_BUF_INIT,
	    { 0, 0, 0, 0, 0 } };
	const char *rejects = NULL;
	unsigned long window = WINDOW_DEFAULT;
	struct mdx_reader *rd;
	struct mdx_pos pos;
	int i, fd, r, strict = 0;

	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	i = options(argc, argv, &strict, &rejects, &window);
	if (rejects != NULL) {
		fd = open(rejects, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0)
			mdx_die(MDX_EX_IOERR, "cannot open '%s': %s", rejects,
			    strerror(errno));
		t.rw = mdx_writer_fd(fd, rejects);
	}
	if (window > 0)
		t.dd = mdx_dedup_new(window);
	t.w = mdx_stdout();
	rd = mdx_reader_open(argv + i, argc - i);
	r = transform_all(&t, rd);
	mdx_writer_flush(t.w);
	if (t.rw != NULL)
		mdx_writer_close(t.rw);
	if (mdx_verbose >= 1) {
		mdx_warn("read %lu, written %lu, rejected %lu, duplicates %lu",
		    t.n.read, t.n.written, t.n.rejected, t.n.duplicates);
		if (t.n.headers > 0)
			mdx_warn("skipped %lu archive header rows",
			    t.n.headers);
	}
	if (r == MDX_RD_ERR) {
		pos = mdx_reader_pos(rd);
		mdx_die(mdx_reader_error_status(rd), "%s (at %s:%lu)",
		    mdx_reader_error(rd), pos.name, pos.line);
	}
	mdx_reader_close(rd);
	mdx_dedup_free(t.dd);
	mdx_buf_free(&t.out);
	mdx_buf_free(&t.rb);
	return strict && t.n.rejected > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}
