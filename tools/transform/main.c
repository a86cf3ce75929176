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
#include "market.h"
#include "candle.h"

#include "dedup.h"
#include "transform.h"
#include "import.h"

#define WINDOW_DEFAULT 16384
#define SHOW_REJECTS 10		/* rejects shown at verbosity 1 */
/* The longest line of an imported file: a freqtrade file is often one
 * line (some 3.5 million candles in this many bytes). */
#define IMPORT_MAXLINE ((size_t)256 * 1024 * 1024)

static const char usage_text[] =
    "usage: mdx-transform [-qsv] [-r file] [-w window] [file ...]\n"
    "       mdx-transform -i layout [--columns list] [--header | --no-header]\n"
    "                     [--time-format format] [--exchange code]"
    " [--market code]\n"
    "                     [--symbol symbol] [--interval code]"
    " [--names pattern]\n"
    "                     [-qsv] [-r file] [-w window] [file ...]\n"
    "       mdx-transform -h | -V\n"
    "  -r, --rejects file  write rejected records to file (NDJSON)\n"
    "  -s, --strict        exit 65 when any record is rejected\n"
    "  -w, --window n      candles held to drop duplicates (default 16384;\n"
    "                      0 keeps duplicates)\n"
    "  -i, --import layout read candle files: csv, tsv, binance, kraken or\n"
    "                      freqtrade\n"
    "      --columns list  csv, tsv: the columns, as time,open,high,low,close,\n"
    "                      volume (in file order) or NAME=N or NAME=HEADER\n"
    "      --header, --no-header  whether the first line is a header\n"
    "                      (default: when it has no number in it)\n"
    "      --time-format f auto, s, ms, us or rfc3339\n"
    "      --exchange, --market, --symbol, --interval  the names of the\n"
    "                      candles, else from the file name\n"
    "      --names pattern the file-name pattern, as {symbol}-{interval}.csv\n"
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

/* Writes the oldest candle the duplicate window holds; 0 when empty. */
static int
ev_pop(struct run *t)
{
	const struct mdx_candle *ev;

	if ((ev = mdx_dedup_pop(t->dd)) == NULL)
		return 0;
	write_candle(t, ev);
	return 1;
}

/*
 * What becomes of one record that is a candle (k MDX_TX_CANDLE: c), a
 * header (MDX_TX_HEADER) or a reject (-1: why); the caller counted it
 * read.
 */
static void
result(struct run *t, int k, const struct mdx_candle *c, const char *why,
    struct mdx_pos pos, const char *line, size_t len)
{
	const struct mdx_candle *ev = c;

	switch (k) {
	case MDX_TX_CANDLE:
		if (t->dd != NULL && mdx_dedup_put(t->dd, c, &ev)) {
			t->n.duplicates++;
			break;
		}
		if (ev != NULL)
			write_candle(t, ev);
		break;
	case MDX_TX_HEADER:
		t->n.read--;
		t->n.headers++;
		break;
	default:
		reject(t->rw, &t->rb, pos, why, line, len, ++t->n.rejected);
		break;
	}
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
		if (k == MDX_TX_LINE) {
			mdx_write_line(t->w, o.line.data, o.line.len);
			t->n.written++;
		} else
			result(t, k, &o.candle, err, mdx_reader_pos(rd), line,
			    len);
	}
	while (t->dd != NULL && ev_pop(t))
		;
	mdx_json_doc_free(doc);
	mdx_tx_out_free(&o);
	return r;
}

/* An imported file's records, as mdx_import_put() gives them. */
struct import_ctx {
	struct run *t;
	const char *name;
};

static void
import_put(void *arg, int k, const struct mdx_candle *c, const char *why,
    unsigned long line, const char *text, size_t len)
{
	struct import_ctx *x = arg;
	struct mdx_pos pos;

	pos.name = x->name;
	pos.line = line;
	x->t->n.read++;
	result(x->t, k, c, why, pos, text, len);
}

/*
 * The --import mode: the names of every file first (a file whose names
 * cannot be told stops the run before any output, exit 64), then each
 * file's lines through the import engine.  Returns as transform_all(),
 * with the reader that failed in *bad (closed by the caller).
 */
static int
import_all(struct run *t, struct mdx_import *im, int json, char **files,
    int nfiles, struct mdx_reader **bad)
{
	static char dash[] = "-";
	char *stdin_only[1] = { dash };
	struct import_ctx x;
	struct mdx_reader *rd;
	const char *line;
	char err[MDX_ERRSZ + 4200];
	size_t len;
	int i, r = MDX_RD_EOF, nbad = 0;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (i = 0; i < nfiles; i++)
		if (mdx_import_begin(im, files[i], import_put, &x, err,
		    sizeof(err)) != 0) {
			mdx_warn("%s", err);
			nbad++;
		}
	if (nbad > 0)
		exit(MDX_EX_USAGE);
	x.t = t;
	*bad = NULL;
	for (i = 0; i < nfiles; i++) {
		x.name = strcmp(files[i], "-") == 0 ? "stdin" : files[i];
		if (mdx_import_begin(im, files[i], import_put, &x, err,
		    sizeof(err)) != 0)
			mdx_die(MDX_EX_USAGE, "%s", err);
		rd = mdx_reader_open(&files[i], 1);
		if (json)
			mdx_reader_set_maxline(rd, IMPORT_MAXLINE);
		while ((r = mdx_reader_next(rd, &line, &len)) != MDX_RD_EOF &&
		    r != MDX_RD_ERR) {
			if (r == MDX_RD_BAD) {
				t->n.read++;
				snprintf(err, sizeof(err), "bad record: %s",
				    mdx_reader_error(rd));
				result(t, -1, NULL, err, mdx_reader_pos(rd),
				    line, len);
				continue;
			}
			mdx_import_line(im, line, len, mdx_reader_pos(rd).line);
		}
		if (r == MDX_RD_ERR) {
			*bad = rd;
			break;
		}
		mdx_import_end(im);
		mdx_reader_close(rd);
	}
	while (t->dd != NULL && ev_pop(t))
		;
	return r;
}

/* The command line. */
struct opts {
	int strict;
	const char *rejects;
	unsigned long window;
	int import;			/* --import given */
	struct mdx_import_opts im;
};

/* A name option's value: a code ([a-z][a-z0-9_-]{0,30}). */
static const char *
code_opt(const char *opt, const char *s)
{
	if (!mdx_code_valid(s))
		mdx_usage("bad %s \"%s\": not a code ([a-z][a-z0-9_-]{0,30})",
		    opt, s);
	return s;
}

/* Parses the options; returns the index of the first operand. */
static int
options(int argc, char *argv[], struct opts *o)
{
	enum { O_COLUMNS = 256, O_HEADER, O_NO_HEADER, O_TIME_FORMAT,
	    O_EXCHANGE, O_MARKET, O_SYMBOL, O_INTERVAL, O_NAMES };
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "import", required_argument, NULL, 'i' },
		{ "columns", required_argument, NULL, O_COLUMNS },
		{ "header", no_argument, NULL, O_HEADER },
		{ "no-header", no_argument, NULL, O_NO_HEADER },
		{ "time-format", required_argument, NULL, O_TIME_FORMAT },
		{ "exchange", required_argument, NULL, O_EXCHANGE },
		{ "market", required_argument, NULL, O_MARKET },
		{ "symbol", required_argument, NULL, O_SYMBOL },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "names", required_argument, NULL, O_NAMES },
		MDX_OPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	static const char *const tf[] = { "auto", "s", "ms", "us",
	    "rfc3339" };
	const char *onlyimport = NULL;
	size_t k;
	int ch, l;

	while ((ch = getopt_long(argc, argv, "sr:w:i:" MDX_OPT_SHORT,
	    longopts, NULL)) != -1) {
		/* The import options follow --import in longopts. */
		if (ch >= O_COLUMNS)
			onlyimport = longopts[ch - O_COLUMNS + 4].name;
		switch (ch) {
		case 's':
			o->strict = 1;
			break;
		case 'r':
			o->rejects = optarg;
			break;
		case 'w':
			o->window = mdx_opt_num("--window", optarg, 0, 10000000);
			break;
		case 'i':
			if ((l = mdx_import_layout(optarg)) < 0)
				mdx_usage("bad --import \"%s\": not a layout "
				    "(csv, tsv, binance, kraken, freqtrade)",
				    optarg);
			o->im.layout = l;
			o->import = 1;
			break;
		case O_COLUMNS:
			o->im.columns = optarg;
			break;
		case O_HEADER:
		case O_NO_HEADER:
			o->im.header = ch == O_HEADER ? MDX_IMP_HEADER_YES :
			    MDX_IMP_HEADER_NO;
			break;
		case O_TIME_FORMAT:
			for (k = 0; k < sizeof(tf) / sizeof(tf[0]); k++)
				if (strcmp(tf[k], optarg) == 0)
					break;
			if (k == sizeof(tf) / sizeof(tf[0]))
				mdx_usage("bad --time-format \"%s\": not a "
				    "time format (auto, s, ms, us, rfc3339)",
				    optarg);
			o->im.timefmt = k == 0 ? MDX_IMP_TIME_AUTO :
			    k == 1 ? MDX_IMP_TIME_S : k == 2 ? MDX_IMP_TIME_MS :
			    k == 3 ? MDX_IMP_TIME_US : MDX_IMP_TIME_RFC3339;
			break;
		case O_EXCHANGE:
			o->im.exchange = code_opt("--exchange", optarg);
			break;
		case O_MARKET:
			o->im.market = code_opt("--market", optarg);
			break;
		case O_SYMBOL:
			o->im.symbol = optarg;
			break;
		case O_INTERVAL:
			o->im.interval = mdx_opt_interval("--interval", optarg,
			    0);
			break;
		case O_NAMES:
			o->im.names = optarg;
			break;
		default:
			mdx_opt_common(ch);
		}
	}
	if (onlyimport != NULL && !o->import)
		mdx_usage("--%s is an option of --import", onlyimport);
	return optind;
}

int
main(int argc, char *argv[])
{
	struct run t = { NULL, NULL, NULL, MDX_BUF_INIT, MDX_BUF_INIT,
	    { 0, 0, 0, 0, 0 } };
	struct opts o;
	struct mdx_import *im = NULL;
	struct mdx_reader *rd;
	struct mdx_pos pos;
	char err[MDX_ERRSZ + 64];
	int i, fd, r;

	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	memset(&o, 0, sizeof(o));
	o.window = WINDOW_DEFAULT;
	o.im.timefmt = -1;
	o.im.header = MDX_IMP_HEADER_AUTO;
	i = options(argc, argv, &o);
	if (o.import && (im = mdx_import_new(&o.im, err, sizeof(err))) == NULL)
		mdx_usage("%s", err);
	if (o.rejects != NULL) {
		fd = open(o.rejects, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0)
			mdx_die(MDX_EX_IOERR, "cannot open '%s': %s", o.rejects,
			    strerror(errno));
		t.rw = mdx_writer_fd(fd, o.rejects);
	}
	if (o.window > 0)
		t.dd = mdx_dedup_new(o.window);
	t.w = mdx_stdout();
	if (im != NULL)
		r = import_all(&t, im, o.im.layout == MDX_IMP_FREQTRADE,
		    argv + i, argc - i, &rd);
	else {
		rd = mdx_reader_open(argv + i, argc - i);
		r = transform_all(&t, rd);
	}
	mdx_writer_flush(t.w);
	if (t.rw != NULL)
		mdx_writer_close(t.rw);
	if (mdx_verbose >= 1) {
		mdx_warn("read %lu, written %lu, rejected %lu, duplicates %lu",
		    t.n.read, t.n.written, t.n.rejected, t.n.duplicates);
		if (t.n.headers > 0)
			mdx_warn("skipped %lu %s", t.n.headers, im != NULL ?
			    "header lines" : "archive header rows");
	}
	if (r == MDX_RD_ERR) {
		pos = mdx_reader_pos(rd);
		mdx_die(mdx_reader_error_status(rd), "%s (at %s:%lu)",
		    mdx_reader_error(rd), pos.name, pos.line);
	}
	mdx_reader_close(rd);
	mdx_import_free(im);
	mdx_dedup_free(t.dd);
	mdx_buf_free(&t.out);
	mdx_buf_free(&t.rb);
	return o.strict && t.n.rejected > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}
