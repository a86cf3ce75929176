/*
 * mdx-aggregate - rollups to coarser intervals, gap detection and gap
 * filling, as a filter on canonical candle NDJSON and in the warehouse.
 * See mdx-aggregate(1).  The rollup engine is rollup.c, the warehouse
 * mode rollup_db.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "utc.h"
#include "json.h"
#include "candle.h"

#include "rollup.h"
#include "evgaps.h"
#include "trades.h"

#define DEFAULT_WINDOW 60

static const char usage_text[] =
    "usage: mdx-aggregate [-qv] --to intervals [--fill] [--window n]"
    " [file ...]\n"
    "       mdx-aggregate --fill [--window n] [file ...]\n"
    "       mdx-aggregate --gaps [--window n] [--since time] [--until time]"
    " [file ...]\n"
    "       mdx-aggregate --db [--to intervals] [--base interval]"
    " [--confirm] [--fill]\n"
    "                     [--rebuild]\n"
    "       mdx-aggregate --db --gaps [--mark] [--since time]"
    " [--until time]\n"
    "       mdx-aggregate --db --reconcile [file ...]\n"
    "       mdx-aggregate --from-trades --to intervals [file ...]\n"
    "       mdx-aggregate --from-trades --reconcile-with candles"
    " [file ...]\n"
    "       mdx-aggregate -h | -V\n"
    MDX_OPT_HELP;

/* What a stream run prints, for the callbacks. */
struct out {
	struct mdx_buf b;
	struct mdx_writer *w;
	mdx_time since, until;
	uint64_t gaps_printed;
};

static void
put_candle(void *arg, const struct mdx_candle *c)
{
	struct out *o = arg;

	mdx_buf_reset(&o->b);
	mdx_candle_to_json(c, &o->b);
	mdx_write_line(o->w, o->b.data, o->b.len);
}

static void
put_line(void *arg, const char *line, size_t len)
{
	struct out *o = arg;

	mdx_write_line(o->w, line, len);
}

static void
put_gap(void *arg, const struct mdx_candle *s, mdx_time from, mdx_time to,
    int64_t count)
{
	struct out *o = arg;

	if (to <= o->since || from >= o->until)
		return;
	mdx_buf_reset(&o->b);
	mdx_rollup_format_gap(&o->b, s, from, to, count);
	mdx_write_line(o->w, o->b.data, o->b.len);
	o->gaps_printed++;
}

static void
put_series_gap(void *arg, const char *exchange, const char *market,
    const char *symbol, const char *series, const char *interval,
    mdx_time from, mdx_time to, int64_t count)
{
	struct out *o = arg;

	if (to <= o->since || from >= o->until)
		return;
	mdx_buf_reset(&o->b);
	mdx_rollup_format_series_gap(&o->b, exchange, market, symbol, series,
	    interval, from, to, count);
	mdx_write_line(o->w, o->b.data, o->b.len);
	o->gaps_printed++;
}

/*
 * A line that is no candle, in --gaps: a funding event or an open-interest
 * sample joins the gaps of its series (0), a bad one is reported (-1 with
 * the reason in why), anything else is a bad candle after all (1).
 */
static int
other_record(struct mdx_evgaps *eg, struct mdx_json_doc *doc, const char *line,
    size_t len, char *why, size_t whysz)
{
	const struct mdx_json *root;
	char reason[MDX_ERRSZ];
	int r;

	if ((root = mdx_json_parse(doc, line, len)) == NULL ||
	    root->type != MDX_JSON_OBJECT)
		return 1;
	if ((r = mdx_evgaps_add(eg, root, reason, sizeof(reason))) < 0)
		snprintf(why, whysz, "bad %s: %s", mdx_json_str_eq(
		    mdx_json_get(root, "kind"), "funding") ? "funding" :
		    "open_interest", reason);
	return r;
}

/*
 * The stream mode: every line is read, parsed and accounted for as used,
 * duplicate or rejected; rejects are reported with their position and make
 * the exit status 65 once the input is done.
 */
static int
run_stream(struct mdx_rollup_opts *ro, struct out *o, char **files,
    int nfiles)
{
	struct mdx_reader *rd;
	struct mdx_candle_scan *sc;
	struct mdx_evgaps *eg = NULL;
	struct mdx_json_doc *doc = NULL;
	struct mdx_rollup *r;
	const struct mdx_rollup_stats *st;
	struct mdx_candle c;
	struct mdx_pos pos;
	const char *line;
	char why[256];
	size_t len;
	uint64_t nread = 0, bad = 0, evgaps = 0;
	int rc, rdst = MDX_EX_OK;

	ro->candle = put_candle;
	ro->line = put_line;
	ro->gap = put_gap;
	ro->arg = o;
	r = mdx_rollup_new(ro);
	sc = mdx_candle_scan_new();
	if (ro->gaps) {
		eg = mdx_evgaps_new();
		doc = mdx_json_doc_new();
	}
	rd = mdx_reader_open(files, nfiles);
	/* When the input cannot be read on, what was read is rolled up (an
	 * incomplete bucket says so), the summary printed, and the reader's
	 * status is the exit status. */
	while (mdx_reader_line(rd, &line, &len, &nread, &bad, &rdst)) {
		if (mdx_candle_scan(sc, &c, line, len, why,
		    sizeof(why)) != 0) {
			if (eg != NULL && (rc = other_record(eg, doc, line,
			    len, why, sizeof(why))) == 0)
				continue;
			pos = mdx_reader_pos(rd);
			if (eg != NULL && rc < 0)
				mdx_warn("%s (at %s:%lu)", why, pos.name,
				    pos.line);
			else
				mdx_warn("bad candle: %s (at %s:%lu)", why,
				    pos.name, pos.line);
			bad++;
			continue;
		}
		switch (mdx_rollup_add(r, &c, line, len, why, sizeof(why))) {
		case MDX_ROLLUP_REJECT:
			pos = mdx_reader_pos(rd);
			if (why[0] != '\0')
				mdx_warn("rejected candle: %s (at %s:%lu)", why,
				    pos.name, pos.line);
			break;
		case MDX_ROLLUP_DUP:
			pos = mdx_reader_pos(rd);
			mdx_debug("duplicate candle dropped (at %s:%lu)",
			    pos.name, pos.line);
			break;
		default:
			break;
		}
	}
	mdx_rollup_finish(r);
	if (eg != NULL)
		evgaps = mdx_evgaps_finish(eg, put_series_gap, o);
	mdx_writer_flush(o->w);
	st = mdx_rollup_stats(r);
	if (mdx_verbose >= 1) {
		mdx_warn("%llu read = %llu used + %llu duplicate + %llu "
		    "rejected; %llu out (%llu partial), %llu gaps "
		    "(%llu candles), %llu filled; %llu buckets rejected, "
		    "%llu targets skipped",
		    (unsigned long long)nread, (unsigned long long)(st->used +
		    (eg != NULL ? mdx_evgaps_count(eg) : 0)),
		    (unsigned long long)st->dup,
		    (unsigned long long)(st->rejected + bad),
		    (unsigned long long)st->out,
		    (unsigned long long)st->partial,
		    (unsigned long long)st->gaps,
		    (unsigned long long)st->gap_candles,
		    (unsigned long long)st->filled,
		    (unsigned long long)st->bad_buckets,
		    (unsigned long long)st->skipped_targets);
		if (eg != NULL && mdx_evgaps_count(eg) > 0)
			mdx_warn("%llu funding events and open-interest "
			    "samples used, %llu gaps",
			    (unsigned long long)mdx_evgaps_count(eg),
			    (unsigned long long)evgaps);
	}
	rc = st->rejected + bad + st->bad_buckets + st->skipped_targets > 0 ?
	    MDX_EX_DATAERR : MDX_EX_OK;
	if (rdst != MDX_EX_OK)
		rc = rdst;
	mdx_reader_close(rd);
	mdx_candle_scan_free(sc);
	mdx_evgaps_free(eg);
	mdx_json_doc_free(doc);
	mdx_rollup_free(r);
	mdx_buf_free(&o->b);
	return rc;
}

enum {
	O_TO = 256, O_FILL, O_GAPS, O_WINDOW, O_DB, O_BASE, O_CONFIRM,
	O_REBUILD, O_MARK, O_SINCE, O_UNTIL, O_RECONCILE, O_TRADES,
	O_RECON_WITH
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, O_TO },
		{ "fill", no_argument, NULL, O_FILL },
		{ "gaps", no_argument, NULL, O_GAPS },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "db", no_argument, NULL, O_DB },
		{ "base", required_argument, NULL, O_BASE },
		{ "confirm", no_argument, NULL, O_CONFIRM },
		{ "rebuild", no_argument, NULL, O_REBUILD },
		{ "mark", no_argument, NULL, O_MARK },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "reconcile", no_argument, NULL, O_RECONCILE },
		{ "from-trades", no_argument, NULL, O_TRADES },
		{ "reconcile-with", required_argument, NULL, O_RECON_WITH },
		MDX_OPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct mdx_rollup_opts ro;
	struct mdx_agg_db dbo;
	struct out o;
	char why[128], *reconwith = NULL;
	int ch, trades = 0, db = 0, gaps = 0, fill = 0, recon = 0, hasto = 0, n;

	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	memset(&ro, 0, sizeof(ro));
	memset(&dbo, 0, sizeof(dbo));
	memset(&o, 0, sizeof(o));
	ro.window = DEFAULT_WINDOW;
	o.since = dbo.since = INT64_MIN;
	o.until = dbo.until = INT64_MAX;
	while ((ch = getopt_long(argc, argv, MDX_OPT_SHORT, longopts, NULL)) != -1) {
		switch (ch) {
		case O_TO:
			if ((n = mdx_rollup_parse_intervals(optarg, ro.to, why,
			    sizeof(why))) < 0)
				mdx_usage("bad --to \"%s\": %s", optarg, why);
			ro.nto = n;
			hasto = 1;
			break;
		case O_FILL:
			fill = 1;
			break;
		case O_GAPS:
			gaps = 1;
			break;
		case O_WINDOW:
			ro.window = mdx_opt_num("--window", optarg, 0,
			    10000000);
			break;
		case O_DB:
			db = 1;
			break;
		case O_BASE:
			dbo.base = mdx_opt_interval("--base", optarg, 1);
			break;
		case O_CONFIRM:
			dbo.confirm = 1;
			break;
		case O_REBUILD:
			dbo.rebuild = 1;
			break;
		case O_MARK:
			dbo.mark = 1;
			break;
		case O_SINCE:
			o.since = dbo.since = mdx_opt_time("--since", optarg);
			break;
		case O_UNTIL:
			o.until = dbo.until = mdx_opt_time("--until", optarg);
			break;
		case O_RECONCILE:
			recon = 1;
			break;
		case O_TRADES:
			trades = 1;
			break;
		case O_RECON_WITH:
			reconwith = optarg;
			break;
		default:
			mdx_opt_common(ch);
		}
	}
	argc -= optind;
	argv += optind;
	if (trades || reconwith != NULL) {
		if (!trades)
			mdx_usage("--reconcile-with goes with --from-trades");
		if (db || gaps || fill || recon || dbo.base || dbo.confirm ||
		    dbo.rebuild || dbo.mark)
			mdx_usage("--from-trades takes --to or "
			    "--reconcile-with, and no other mode");
		if (hasto == (reconwith != NULL))
			mdx_usage("--from-trades needs --to or "
			    "--reconcile-with (not both)");
		return mdx_trades_run(ro.to, ro.nto, reconwith, argv, argc);
	}
	if (gaps + recon + (hasto || fill) > 1 && !(db && fill && hasto))
		mdx_usage("--gaps, --reconcile and --to or --fill "
		    "exclude each other");
	if (!db) {
		if (!gaps && !fill && !hasto)
			mdx_usage("say what to do: --to, --fill, "
			    "--gaps or --db");
		if (recon || dbo.base || dbo.confirm || dbo.rebuild ||
		    dbo.mark)
			mdx_usage("--reconcile, --base, --confirm, "
			    "--rebuild and --mark need --db");
		ro.gaps = gaps;
		ro.fill = fill;
		/* No candle opens in the future; a day allows for clocks. */
		ro.latest = mdx_now() + MDX_MS_DAY;
		o.w = mdx_stdout();
		return run_stream(&ro, &o, argv, argc);
	}
	if (argc > 0 && !recon)
		mdx_usage("--db reads no files except with "
		    "--reconcile");
	if (dbo.mark && !gaps)
		mdx_usage("--mark goes with --gaps");
	memcpy(dbo.to, ro.to, sizeof(dbo.to));
	dbo.nto = ro.nto;
	dbo.fill = fill;
	dbo.gaps = gaps;
	dbo.argc = argc;
	dbo.argv = argv;
	if (recon)
		return mdx_agg_db_reconcile(&dbo);
	return mdx_agg_db_run(&dbo);
}
