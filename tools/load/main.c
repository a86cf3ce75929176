/*
 * mdx-load - canonical NDJSON into the PostgreSQL warehouse, idempotent,
 * with lineage.  See mdx-load(1).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "db.h"
#include "candle.h"

#include "load.h"

#define BATCH_DEFAULT 50000
#define SHOW_REJECTS 10

static const char usage_text[] =
    "usage: mdx-load [-qv] [-b batch] [-o object] [file ...]\n"
    "       mdx-load [-qv] --migrate\n"
    "       mdx-load -h | -V\n"
    "  -b, --batch n       candles per transaction (default 50000)\n"
    "  -o, --object uri    record a lake object as loaded by this run\n"
    "                      (repeatable)\n"
    "      --migrate       apply the warehouse migrations and exit\n"
    MDX_OPT_HELP;

static void
migrate(void)
{
	PGconn *c;
	int n;

	c = mdx_db_connect();
	n = mdx_db_migrate(c);
	if (mdx_verbose >= 1)
		mdx_warn("applied %d migration%s; the schema is at version %d",
		    n, n == 1 ? "" : "s", mdx_db_schema_version(c));
	mdx_db_close(c);
	exit(MDX_EX_OK);
}

/* The arguments as one string for mdx.run.args. */
static char *
join_args(int argc, char *argv[])
{
	struct mdx_buf b = MDX_BUF_INIT;
	int i;

	mdx_buf_addstr(&b, "");
	for (i = 1; i < argc; i++) {
		if (i > 1)
			mdx_buf_addch(&b, ' ');
		mdx_buf_addstr(&b, argv[i]);
	}
	return mdx_buf_detach(&b, NULL);
}

static void
summary(const struct mdx_load *l)
{
	const struct mdx_load_counts *n = mdx_load_counts(l);

	mdx_warn("run %" PRId64 ": read %lu, candles %lu (inserted %lu, "
	    "revised %lu, unchanged %lu), duplicates %lu, depth %lu, "
	    "trades %lu (inserted %lu, revised %lu), instruments %lu, "
	    "rejected %lu", mdx_load_run_id(l), n->read, n->candles,
	    n->inserted, n->revised, n->unchanged, n->duplicates, n->depth,
	    n->trades, n->trades_inserted, n->trades_revised, n->instruments,
	    n->rejected);
	if (n->funding > 0 || n->open_interest > 0)
		mdx_warn("run %" PRId64 ": funding %lu (inserted %lu, revised "
		    "%lu, unchanged %lu), open_interest %lu (inserted %lu, "
		    "revised %lu, unchanged %lu)", mdx_load_run_id(l),
		    n->funding, n->funding_inserted, n->funding_revised,
		    n->funding - n->funding_inserted - n->funding_revised,
		    n->open_interest, n->oi_inserted, n->oi_revised,
		    n->open_interest - n->oi_inserted - n->oi_revised);
}

/*
 * Offers every input line to the load; bad records are reported (the
 * first ten) and counted.  Returns the reader's last status: MDX_RD_EOF,
 * or MDX_RD_ERR when an input could not be read to its end.
 */
static int
load_all(struct mdx_load *l, struct mdx_reader *rd)
{
	char err[MDX_ERRSZ + 64];
	unsigned long shown = 0;
	struct mdx_pos pos;
	const char *line;
	size_t len;
	int r;

	while ((r = mdx_reader_next(rd, &line, &len)) != MDX_RD_EOF &&
	    r != MDX_RD_ERR) {
		if (r == MDX_RD_BAD) {
			mdx_load_reject(l);
			snprintf(err, sizeof(err), "bad record: %s",
			    mdx_reader_error(rd));
		} else if (mdx_load_line(l, line, len, err, sizeof(err)) == 0)
			continue;
		shown++;
		pos = mdx_reader_pos(rd);
		if (mdx_verbose >= 2 || (mdx_verbose >= 1 &&
		    shown <= SHOW_REJECTS))
			mdx_warn("%s (at %s:%lu)", err, pos.name, pos.line);
		else if (mdx_verbose == 1 && shown == SHOW_REJECTS + 1)
			mdx_warn("more bad records not shown");
	}
	mdx_load_flush(l);
	return r;
}

/* Parses the options; returns the index of the first operand. */
static int
options(int argc, char *argv[], unsigned long *batch, char **objects,
    int *nobj, int *domigrate)
{
	static const struct option longopts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "object", required_argument, NULL, 'o' },
		{ "migrate", no_argument, NULL, 'M' },
		MDX_OPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "b:o:" MDX_OPT_SHORT, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			*batch = mdx_opt_num("--batch", optarg, 1, 10000000);
			break;
		case 'o':
			objects[(*nobj)++] = optarg;
			break;
		case 'M':
			*domigrate = 1;
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
	unsigned long batch = BATCH_DEFAULT;
	char **objects, *args, err[MDX_ERRSZ + 64];
	int i, nobj = 0, domigrate = 0, r, st;
	struct mdx_reader *rd;
	struct mdx_load *l;
	struct mdx_pos pos;
	PGconn *c;

	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	args = join_args(argc, argv);
	objects = mdx_calloc((size_t)argc, sizeof(*objects));
	i = options(argc, argv, &batch, objects, &nobj, &domigrate);
	if (domigrate) {
		if (i < argc || nobj > 0)
			mdx_usage(NULL);
		migrate();
	}
	c = mdx_db_connect();
	l = mdx_load_begin(c, args, batch);
	rd = mdx_reader_open(argv + i, argc - i);
	r = load_all(l, rd);
	st = MDX_EX_OK;
	if (r == MDX_RD_ERR) {
		pos = mdx_reader_pos(rd);
		st = mdx_reader_error_status(rd);
		snprintf(err, sizeof(err), "%s (at %s:%lu)",
		    mdx_reader_error(rd), pos.name, pos.line);
	} else if (mdx_load_counts(l)->rejected > 0) {
		st = MDX_EX_DATAERR;
		snprintf(err, sizeof(err), "%lu bad records not loaded",
		    mdx_load_counts(l)->rejected);
	} else
		mdx_load_objects(l, objects, nobj);
	mdx_load_finish(l, st, st == MDX_EX_OK ? NULL : err);
	if (mdx_verbose >= 1)
		summary(l);
	if (r == MDX_RD_ERR)
		mdx_die(st, "%s", err);
	mdx_reader_close(rd);
	mdx_load_free(l);
	mdx_db_close(c);
	free(objects);
	free(args);
	return st;
}
