/*
 * rollup_db.c - the warehouse mode of mdx-aggregate.
 *
 * Every change of mdx.candle is logged in mdx.candle_change, one row per
 * transaction, instrument, interval and hour, numbered per instrument
 * (sql/064_change_log_per_instrument.sql): the writers log their own
 * changes, this program too.  A job (the rollups of one interval, or the
 * gap table of the base interval) keeps a watermark per instrument: the
 * log entries of the instrument up to it are done.  What a snapshot sees
 * of an instrument's log is a prefix of it, so a run takes the entries it
 * sees after the watermark, re-rolls the buckets they touch, and moves the
 * watermark to the highest number it read.  An instrument without a
 * watermark is built from scratch, and its watermark set to the head of
 * its log read before its candles.  The rollups
 * themselves come from the engine of the stream mode (rollup.c), fed
 * with COPY, so both modes compute the same thing the same way.
 *
 * An incremental run is made of many small statements: those of a job go
 * to the server together where they can (qpipe()), and the gap job,
 * outside Citus, reads its log before the rollups and finishes after the
 * first rollup from the base interval, which counts the candles of the
 * changed ranges as it reads them (gaps_probe()).  Two connections share
 * the work: the second reads half of the source rows (read_fresh(),
 * read_buckets()), then looks up the candles around the gap job's ranges
 * while the first writes the rollups (gaps_probe_send()).  The rollups of
 * a small job go to the server as arrays in the statement that upserts
 * them (agg_arrays()), a bigger job's through a temporary table.
 */
#include <sys/select.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "err.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "db.h"
#include "copy.h"
#include "candle.h"
#include "market.h"

#include "rollup.h"

/* The advisory lock that lets one mdx-aggregate --db run at a time. */
#define AGG_LOCK_KEY "74519824"
/*
 * The reader connection reads in index order only (see read_fresh); it
 * runs nothing else.
 */
#define INDEX_ORDER_SET "SET enable_seqscan = off; " \
    "SET enable_bitmapscan = off; SET enable_sort = off"
/* Changed ranges this close together are checked for gaps in one go. */
#define GAP_MERGE_MS MDX_MS_DAY
/* How far before a changed range gaps_unchanged() looks for a candle. */
#define GAP_NEAR_MS MDX_MS_DAY

struct ilist {
	int64_t *v;
	size_t n, cap;
};

static void
ilist_add(struct ilist *l, int64_t v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = mdx_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = v;
}

/*
 * The change log position of each instrument: pairs of instrument and
 * sequence number, sorted by instrument.
 */
struct seqmap {
	struct ilist inst, seq;
};

struct ctx {
	PGconn *c;
	/*
	 * A second connection that reads source rows beside the first (see
	 * read_fresh() and read_buckets()).  It is asked for before the
	 * first is set up, so the server starts both sessions at once.
	 */
	PGconn *c2;
	const struct mdx_agg_db *o;
	const struct mdx_interval *base;
	char run[24];
	struct mdx_buf sql, copy;
	int temp_made;
	/*
	 * Whether mdx.candle is distributed by Citus: then the statements
	 * that join the instruments of a job (arrays, temporary tables) to
	 * the fact tables through lateral or correlated subqueries, which
	 * Citus refuses, run one instrument at a time, each on the shard
	 * that holds it (see the citus_* functions).
	 */
	int citus;
	/* The newest source open time read per instrument (in read order). */
	struct ilist thr_inst, thr_ms;
	/*
	 * Months known to have (pdirect) or lack their own partition; with
	 * plist, every month with one is among them (see
	 * partitions_known()).
	 */
	struct ilist pmonth, pdirect;
	int plist;
	/* Whether mdx.series_change holds a mark: -1 not known yet. */
	int series_marked;
	/*
	 * Instruments new to both the gap table and the first rollup from
	 * the base interval: their gaps are found by the engine while it
	 * rolls them up, which saves a scan of their whole series.
	 */
	struct ilist defer;
	struct mdx_buf gapcopy;
	uint64_t ngapcopy;
	/*
	 * The gap job between gaps_job() and gaps_finish(): its log
	 * positions, fresh instruments and changed ranges (ri, rlo, rhi,
	 * sorted by instrument and time, disjoint).  When pending, the check
	 * of the ranges waits for the first rollup from the base interval,
	 * which counts the candles it reads in them (collecting): n, the
	 * newest (last) and whether one is off the grid (offgrid); covered
	 * says the rollup read every candle of the range.
	 */
	struct {
		int pending, collecting;
		struct seqmap seqs, hd;
		struct ilist fresh, done, ri, rlo, rhi;
		char *covered, *offgrid;
		int64_t *n, *last;
		/*
		 * The probe of gaps_probe_send(): wanted, under way or
		 * answered.
		 */
		int probe_wanted, probe_sent;
		PGresult *probe;
	} gj;
	/* A statement under way on c2, whose result c2_drain() collects. */
	int c2_busy;
	/* Counts for the summary and mdx.run. */
	uint64_t read, written, deleted, held, buckets, fresh, gaps_found;
	uint64_t confirmed, filled_gaps, filled_candles;
	uint64_t series_gaps;	/* funding and open-interest gaps */
	uint64_t bad_buckets;	/* left out: a sum overflows */
};

static PGresult *
q(struct ctx *x, const char *sql)
{
	return mdx_db_exec(x->c, sql);
}

static void
qq(struct ctx *x, const char *sql)
{
	PQclear(mdx_db_exec(x->c, sql));
}

static void
qq2(struct ctx *x, const char *sql)
{
	PQclear(mdx_db_exec(x->c2, sql));
}

static PGresult *
qp(struct ctx *x, const char *sql, int n, const char *const *p)
{
	return mdx_db_execp(x->c, sql, n, p);
}

static void
qqp(struct ctx *x, const char *sql, int n, const char *const *p)
{
	PQclear(mdx_db_execp(x->c, sql, n, p));
}

/* A statement of a pipeline: its text and parameters. */
struct pstmt {
	const char *sql;
	int n;
	const char *const *p;
};

/*
 * Runs the statements in one round trip (libpq's pipeline mode) and puts
 * their results in out, or clears them where out is NULL.  An incremental
 * run is made of many small statements, and the round trips between them
 * cost as much as the statements do when the machine is busy.  The first
 * statement that fails ends the run, as in check() of lib/db.c.
 */
static void
qpipe(struct ctx *x, const struct pstmt *st, size_t n, PGresult **out)
{
	PGresult *r, *bad = NULL;
	char line[512];
	size_t i;
	int ok;

	if (PQenterPipelineMode(x->c) != 1)
		mdx_die(MDX_EX_FAIL, "warehouse error: %s",
		    PQerrorMessage(x->c));
	for (i = 0; i < n; i++)
		if (PQsendQueryParams(x->c, st[i].sql, st[i].n, NULL, st[i].p,
		    NULL, NULL, 0) != 1)
			mdx_die(mdx_db_error_status(x->c, NULL),
			    "warehouse error: %s", PQerrorMessage(x->c));
	if (PQpipelineSync(x->c) != 1)
		mdx_die(mdx_db_error_status(x->c, NULL), "warehouse error: %s",
		    PQerrorMessage(x->c));
	for (i = 0; i <= n; i++) {
		/* Each statement's result, then NULL; the sync last. */
		while ((r = PQgetResult(x->c)) != NULL) {
			ok = PQresultStatus(r) == PGRES_TUPLES_OK ||
			    PQresultStatus(r) == PGRES_COMMAND_OK ||
			    PQresultStatus(r) == PGRES_PIPELINE_SYNC;
			if (!ok && bad == NULL &&
			    PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
				bad = r;
			else if (ok && i < n && out != NULL && out[i] == NULL)
				out[i] = r;
			else
				PQclear(r);
			if (i == n)
				break;
		}
	}
	if (PQexitPipelineMode(x->c) != 1 && bad == NULL)
		mdx_die(MDX_EX_FAIL, "warehouse error: %s",
		    PQerrorMessage(x->c));
	if (bad != NULL) {
		mdx_db_first_line(PQresultErrorMessage(bad), line,
		    sizeof(line));
		mdx_die(mdx_db_error_status(x->c, bad),
		    "warehouse error: %s", line);
	}
}

/* Sends the buffer with COPY ... FROM STDIN. */
static void
copy_in(struct ctx *x, const char *sql, const struct mdx_buf *b)
{
	PGresult *r;

	r = q(x, sql);
	PQclear(r);
	if (b->len > 0 && PQputCopyData(x->c, b->data, (int)b->len) != 1)
		mdx_die(mdx_db_error_status(x->c, NULL), "warehouse error: %s",
		    PQerrorMessage(x->c));
	if (PQputCopyEnd(x->c, NULL) != 1)
		mdx_die(mdx_db_error_status(x->c, NULL), "warehouse error: %s",
		    PQerrorMessage(x->c));
	while ((r = PQgetResult(x->c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			mdx_die(mdx_db_error_status(x->c, r),
			    "warehouse error: %s", PQresultErrorMessage(r));
		PQclear(r);
	}
}

/* Big text pieces go through the buffer, pieces of one statement. */
static const char *
sqlf(struct ctx *x, const char *fmt, ...) MDX_PRINTF(2, 3);

static const char *
sqlf(struct ctx *x, const char *fmt, ...)
{
	va_list ap;

	mdx_buf_reset(&x->sql);
	va_start(ap, fmt);
	mdx_buf_vprintf(&x->sql, fmt, ap);
	va_end(ap);
	return x->sql.data;
}

static int64_t
seqmap_get(const struct seqmap *m, int64_t inst)
{
	size_t lo = 0, hi = m->inst.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->inst.v[mid] == inst)
			return m->seq.v[mid];
		if (m->inst.v[mid] < inst)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void
seqmap_free(struct seqmap *m)
{
	free(m->inst.v);
	free(m->seq.v);
	m->inst.v = m->seq.v = NULL;
	m->inst.n = m->inst.cap = m->seq.n = m->seq.cap = 0;
}

struct ibucket;

static void ilist_array(const struct ilist *, struct mdx_buf *);
static void gaps_seen(struct ctx *, int64_t, mdx_time);
static void gaps_cover(struct ctx *, const struct mdx_interval *,
    const struct ibucket *, size_t);
static void gaps_finish(struct ctx *);
static void c2_drain(struct ctx *);
static void gaps_probe_send(struct ctx *);
static int month_partition(struct ctx *, mdx_time, char *, size_t);

/*
 * The heads of the change log of the instruments (sorted): the highest
 * sequence number committed for each, 0 for none.  Read before the
 * instruments' candles, they are the watermarks of instruments built from
 * scratch: every entry up to them was committed before the read.
 */
static void
heads(struct ctx *x, const struct ilist *insts, struct seqmap *out)
{
	struct mdx_buf arr = MDX_BUF_INIT;
	const char *p[1];
	PGresult *r;
	size_t i;
	int j;

	if (insts->n == 0)
		return;
	ilist_array(insts, &arr);
	p[0] = arr.data;
	r = qp(x, "SELECT instrument_id, seq FROM mdx.change_head "
	    "WHERE instrument_id = ANY($1::bigint[]) ORDER BY 1", 1, p);
	for (i = 0, j = 0; i < insts->n; i++) {
		ilist_add(&out->inst, insts->v[i]);
		while (j < PQntuples(r) &&
		    strtoll(PQgetvalue(r, j, 0), NULL, 10) < insts->v[i])
			j++;
		if (j < PQntuples(r) &&
		    strtoll(PQgetvalue(r, j, 0), NULL, 10) == insts->v[i])
			ilist_add(&out->seq, strtoll(PQgetvalue(r, j, 1),
			    NULL, 10));
		else
			ilist_add(&out->seq, 0);
	}
	PQclear(r);
	mdx_buf_free(&arr);
}

/* The temporary table of the rollups a job computed (see make_temp). */
#define AGG_OUT_SQL "CREATE TEMP TABLE agg_out (instrument_id bigint, " \
    "open_ms bigint, open numeric, high numeric, low numeric, " \
    "close numeric, volume numeric, quote_volume numeric, " \
    "trades bigint, taker_buy_volume numeric, " \
    "taker_buy_quote_volume numeric, closed boolean, " \
    "base_count integer, base_expected integer) ON COMMIT DELETE ROWS"

/*
 * The same rows as a common table expression of the statement that
 * upserts them, from one array parameter per column ($5 to $18), for the
 * few rollups of an incremental job (see agg_inline()).
 */
#define AGG_OUT_NCOLS 14
#define AGG_OUT_CTE "agg_out AS (SELECT * FROM unnest($5::bigint[], " \
    "$6::bigint[], $7::numeric[], $8::numeric[], $9::numeric[], " \
    "$10::numeric[], $11::numeric[], $12::numeric[], $13::bigint[], " \
    "$14::numeric[], $15::numeric[], $16::boolean[], $17::integer[], " \
    "$18::integer[]) AS a(instrument_id, open_ms, open, high, low, " \
    "close, volume, quote_volume, trades, taker_buy_volume, " \
    "taker_buy_quote_volume, closed, base_count, base_expected)), "

/*
 * Rollups up to this many go to the upsert as arrays rather than through
 * agg_out: creating the temporary table costs a new session more than
 * the upsert of an hour's rollups for a hundred instruments does.
 */
#define AGG_INLINE_MAX 20000

/*
 * Makes the temporary tables a rollup job fills, once per run, in the
 * job's transaction.  They lose their rows at every commit, which costs
 * less than emptying them with TRUNCATE at the start of each job.  Only
 * Citus needs the changed buckets in a table (see rollup_job).  A run
 * whose jobs send their rollups as arrays never makes agg_out.
 */
static void
make_temp(struct ctx *x)
{
	if (x->temp_made)
		return;
	if (x->citus)
		qq(x, "CREATE TEMP TABLE agg_bucket (instrument_id bigint, "
		    "b timestamptz, e timestamptz) ON COMMIT DELETE ROWS");
	qq(x, AGG_OUT_SQL);
	x->temp_made = 1;
}

/*
 * Turns the COPY text rows of agg_out in b (emit_row()) into one array
 * literal per column in col[], for AGG_OUT_CTE.  The fields are numbers,
 * booleans and \N, none of which needs quoting in an array.
 */
static void
agg_arrays(const struct mdx_buf *b, struct mdx_buf col[AGG_OUT_NCOLS])
{
	const char *p = b->data, *end = b->data + b->len, *f;
	int i;

	for (i = 0; i < AGG_OUT_NCOLS; i++) {
		mdx_buf_reset(&col[i]);
		mdx_buf_addch(&col[i], '{');
	}
	while (p < end) {
		for (i = 0; i < AGG_OUT_NCOLS; i++) {
			f = p;
			while (p < end && *p != '\t' && *p != '\n')
				p++;
			if (col[i].len > 1)
				mdx_buf_addch(&col[i], ',');
			if (p - f == 2 && f[0] == '\\' && f[1] == 'N')
				mdx_buf_addstr(&col[i], "NULL");
			else
				mdx_buf_add(&col[i], f, (size_t)(p - f));
			if (p < end)
				p++;
		}
	}
	for (i = 0; i < AGG_OUT_NCOLS; i++)
		mdx_buf_addch(&col[i], '}');
}

/* ------------------------------------------------------------------------
 * Instruments and buckets.
 */
struct ibucket {
	int64_t inst;
	mdx_time b;
};

static int
cmp_ibucket(const void *a, const void *b)
{
	const struct ibucket *p = a, *q = b;

	if (p->inst != q->inst)
		return p->inst < q->inst ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return 0;
}

/* "{1,2,3}": a bigint[] parameter. */
static void
ilist_array(const struct ilist *l, struct mdx_buf *b)
{
	size_t i;

	mdx_buf_reset(b);
	mdx_buf_addch(b, '{');
	for (i = 0; i < l->n; i++)
		mdx_buf_printf(b, "%s%lld", i ? "," : "", (long long)l->v[i]);
	mdx_buf_addch(b, '}');
}

/* The elements of a bigint[] in text ("{1,2,3}"), added to out. */
static void
ilist_parse(const char *s, struct ilist *out)
{
	char *end;

	while (*s != '\0') {
		if (*s >= '0' && *s <= '9') {
			ilist_add(out, strtoll(s, &end, 10));
			s = end;
		} else
			s++;
	}
}

/*
 * Whether the instrument has a candle of the interval: one probe of the
 * primary key, on Citus on the one shard of the instrument.
 */
static int
has_candles(struct ctx *x, int64_t inst, const char *iv)
{
	char id[24];
	const char *p[2] = { id, iv };
	PGresult *r;
	int yes;

	snprintf(id, sizeof(id), "%lld", (long long)inst);
	r = qp(x, "SELECT EXISTS (SELECT 1 FROM mdx.candle c WHERE "
	    "c.instrument_id = $1::bigint AND c.interval = $2)", 2, p);
	yes = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return yes;
}

/*
 * The instruments without a watermark for the job (or one made from
 * another source or base), as one bigint[] (parameters: the interval, job,
 * source interval and base interval).
 *
 * The instruments without a watermark first, then one index probe per
 * instrument left, in a statement of its own (fresh_rest()): planning a
 * probe of mdx.candle costs in proportion to its partitions, that is to
 * the history, and an incremental run usually has no instrument left to
 * probe.
 *
 * mdx.instrument and the watermarks are read apart: on Citus one is a
 * reference table, the other distributed, and Citus correlates no
 * subquery with a reference table.
 */
#define FRESH_SQL "WITH w AS MATERIALIZED (SELECT coalesce(array_agg(" \
    "w.instrument_id), '{}') AS ids FROM mdx.rollup_watermark w " \
    "WHERE w.interval = $1 AND w.job = $2 AND w.source_interval = $3 " \
    "AND w.base_interval = $4) SELECT coalesce(array_agg(" \
    "i.instrument_id ORDER BY i.instrument_id), '{}') " \
    "FROM mdx.instrument i, w WHERE i.instrument_id <> ALL (w.ids)"

/*
 * Of the instruments without a watermark (r, the result of FRESH_SQL,
 * cleared here), those with source candles go to out: they are built from
 * scratch.
 */
static void
fresh_rest(struct ctx *x, PGresult *r, const char *src, struct ilist *out)
{
	struct mdx_buf arr = MDX_BUF_INIT;
	const char *p[2];
	int i, n;

	n = strcmp(PQgetvalue(r, 0, 0), "{}") != 0;
	mdx_buf_addstr(&arr, PQgetvalue(r, 0, 0));
	PQclear(r);
	if (n && x->citus) {
		struct ilist ids = { 0 };
		size_t k;

		ilist_parse(arr.data, &ids);
		for (k = 0; k < ids.n; k++)
			if (has_candles(x, ids.v[k], src))
				ilist_add(out, ids.v[k]);
		free(ids.v);
	} else if (n) {
		p[0] = arr.data;
		p[1] = src;
		r = qp(x, "SELECT m.i FROM unnest($1::bigint[]) AS m(i) "
		    "WHERE EXISTS (SELECT 1 FROM mdx.candle c WHERE "
		    "c.instrument_id = m.i AND c.interval = $2) ORDER BY 1",
		    2, p);
		for (i = 0; i < PQntuples(r); i++)
			ilist_add(out, strtoll(PQgetvalue(r, i, 0), NULL, 10));
		PQclear(r);
	}
	mdx_buf_free(&arr);
}

/*
 * The changed ranges after the watermarks, sorted by instrument and time,
 * with the sequence number of each entry (parameters as FRESH_SQL's).
 * Each entry is matched with the watermark of its own instrument, a join
 * on the distribution column that Citus runs on the shards.
 *
 * One probe of the log's (instrument_id, interval, seq) index per
 * watermark, whatever the statistics say (OFFSET 0); Citus, which takes
 * no OFFSET in a lateral subquery, runs the plain join on each shard.
 */
static const char *
changes_sql(const struct ctx *x)
{
	return x->citus ? "SELECT c.instrument_id, "
	    "(extract(epoch FROM c.from_time) * 1000)::int8, "
	    "(extract(epoch FROM c.to_time) * 1000)::int8, c.seq "
	    "FROM mdx.candle_change c JOIN mdx.rollup_watermark w "
	    "ON w.instrument_id = c.instrument_id AND w.interval = $1 "
	    "AND w.job = $2 AND w.source_interval = $3 "
	    "AND w.base_interval = $4 AND c.seq > w.change_seq "
	    "WHERE c.interval = $3 ORDER BY 1, 2" :
	    "SELECT c.instrument_id, "
	    "(extract(epoch FROM c.from_time) * 1000)::int8, "
	    "(extract(epoch FROM c.to_time) * 1000)::int8, c.seq "
	    "FROM mdx.rollup_watermark w CROSS JOIN LATERAL (SELECT * "
	    "FROM mdx.candle_change c WHERE c.instrument_id = "
	    "w.instrument_id AND c.interval = $3 AND c.seq > w.change_seq "
	    "OFFSET 0) c WHERE w.interval = $1 AND w.job = $2 AND "
	    "w.source_interval = $3 AND w.base_interval = $4 "
	    "ORDER BY 1, 2";
}

/*
 * The highest sequence number per instrument of the changed ranges r (the
 * result of changes_sql()), into seqs (sorted by instrument).
 */
static void
changes_seqs(const PGresult *r, struct seqmap *seqs)
{
	int64_t inst, sq;
	int j;

	for (j = 0; j < PQntuples(r); j++) {
		inst = strtoll(PQgetvalue(r, j, 0), NULL, 10);
		sq = strtoll(PQgetvalue(r, j, 3), NULL, 10);
		if (seqs->inst.n > 0 &&
		    seqs->inst.v[seqs->inst.n - 1] == inst) {
			if (sq > seqs->seq.v[seqs->seq.n - 1])
				seqs->seq.v[seqs->seq.n - 1] = sq;
			continue;
		}
		ilist_add(&seqs->inst, inst);
		ilist_add(&seqs->seq, sq);
	}
}

/*
 * Moves the watermarks of the instruments to their positions in the
 * change log, those of seqs (read) or else of hd (heads), with the newest
 * source open time read for each (x->thr_*) as through, where one was
 * read; with commit, commits the job's transaction in the same round trip.
 * With commit WM_READER, the statement goes alone, outside any
 * transaction, to the reader connection, and c2_drain() collects its
 * answer.
 */
#define WM_READER (-1)
static void
set_watermarks(struct ctx *x, const char *iv, const char *job,
    const char *src, const struct seqmap *seqs, const struct seqmap *hd,
    const struct ilist *insts, int commit)
{
	struct mdx_buf arr = MDX_BUF_INIT, thr = MDX_BUF_INIT,
	    sa = MDX_BUF_INIT;
	struct pstmt st[2];
	char tb[MDX_TIME_BUFSZ];
	const char *p[8];
	int64_t sq;
	size_t i, k;

	if (insts->n == 0) {
		if (commit > 0)
			qq(x, "COMMIT");
		return;
	}
	ilist_array(insts, &arr);
	mdx_buf_addch(&thr, '{');
	mdx_buf_addch(&sa, '{');
	for (i = 0; i < insts->n; i++) {
		sq = seqmap_get(seqs, insts->v[i]);
		if (sq < 0 && hd != NULL)
			sq = seqmap_get(hd, insts->v[i]);
		if (sq < 0)
			mdx_die(MDX_EX_FAIL, "no change log position for "
			    "instrument %lld", (long long)insts->v[i]);
		mdx_buf_printf(&sa, "%s%lld", i ? "," : "", (long long)sq);
		for (k = 0; k < x->thr_inst.n; k++)
			if (x->thr_inst.v[k] == insts->v[i])
				break;
		if (i > 0)
			mdx_buf_addch(&thr, ',');
		if (k < x->thr_inst.n) {
			mdx_time_format(x->thr_ms.v[k], tb);
			mdx_buf_addstr(&thr, tb);
		} else
			mdx_buf_addstr(&thr, "NULL");
	}
	mdx_buf_addch(&thr, '}');
	mdx_buf_addch(&sa, '}');
	p[0] = arr.data;
	p[1] = iv;
	p[2] = job;
	p[3] = src;
	p[4] = x->base->code;
	p[5] = sa.data;
	p[6] = x->run;
	p[7] = thr.data;
	st[0].sql = "INSERT INTO mdx.rollup_watermark AS w (instrument_id, "
	    "interval, job, source_interval, base_interval, change_seq, "
	    "through, run_id, updated_at) "
	    "SELECT i, $2, $3, $4, $5, s, t, $7, now() "
	    "FROM unnest($1::bigint[], $8::timestamptz[], $6::bigint[]) "
	    "AS u(i, t, s) "
	    "ON CONFLICT (instrument_id, interval, job) DO UPDATE SET "
	    "source_interval = excluded.source_interval, "
	    "base_interval = excluded.base_interval, "
	    "change_seq = excluded.change_seq, "
	    "through = greatest(w.through, excluded.through), "
	    "run_id = excluded.run_id, updated_at = excluded.updated_at";
	st[0].n = 8;
	st[0].p = p;
	st[1].sql = "COMMIT";
	st[1].n = 0;
	st[1].p = NULL;
	if (commit == WM_READER) {
		c2_drain(x);
		if (PQsendQueryParams(x->c2, st[0].sql, st[0].n, NULL, st[0].p,
		    NULL, NULL, 0) != 1)
			mdx_die(mdx_db_error_status(x->c2, NULL),
			    "warehouse error: %s", PQerrorMessage(x->c2));
		x->c2_busy = 1;
	} else
		qpipe(x, st, commit ? 2 : 1, NULL);
	mdx_buf_free(&arr);
	mdx_buf_free(&thr);
	mdx_buf_free(&sa);
	x->thr_inst.n = x->thr_ms.n = 0;
}

/* ------------------------------------------------------------------------
 * Rollups.
 */

/* What the engine emits, as COPY text rows for agg_out. */
struct emit {
	struct ctx *x;
	struct mdx_buf *b;
	mdx_time lo, hi;
	uint64_t n;
	/*
	 * Instruments without any candle of the target interval (sorted):
	 * their rollups go straight into mdx.candle, as COPY rows in dbuf.
	 */
	const struct ilist *direct;
	const char *iv, *run;
	struct mdx_buf *dbuf;
	uint64_t ndirect;
	/* The months (their starts) of the rows in b, in no order. */
	const struct mdx_interval *month;
	struct ilist months;
	/* The keys of the rows in b, when keep_keys is set. */
	int keep_keys;
	struct ibucket *keys;
	size_t nkeys, capkeys;
};

static int
cmp_int64(const void *a, const void *b)
{
	int64_t p = *(const int64_t *)a, q = *(const int64_t *)b;

	return p < q ? -1 : p > q;
}

static int
ilist_has(const struct ilist *l, int64_t v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return 1;
	return 0;
}

/* A gap the engine found, as a COPY row for agg_gap, when it is wanted. */
static void
emit_gap(void *arg, const struct mdx_candle *s, mdx_time from, mdx_time to,
    int64_t count)
{
	struct emit *e = arg;
	int64_t inst = strtoll(s->symbol, NULL, 10);
	char t1[MDX_TIME_BUFSZ], t2[MDX_TIME_BUFSZ];

	if (!ilist_has(&e->x->defer, inst))
		return;
	mdx_time_format(from, t1);
	mdx_time_format(to, t2);
	mdx_buf_printf(&e->x->gapcopy, "%lld\t%s\t%s\t%lld\n",
	    (long long)inst, t1, t2, (long long)count);
	e->x->ngapcopy++;
}

static void
emit_row(void *arg, const struct mdx_candle *c)
{
	struct emit *e = arg;
	struct mdx_buf *b = e->b;
	char tb[MDX_TIME_BUFSZ];
	int64_t inst;
	mdx_time m;
	int direct = 0;

	if (e->direct != NULL && e->direct->n > 0) {
		inst = strtoll(c->symbol, NULL, 10);
		direct = bsearch(&inst, e->direct->v, e->direct->n,
		    sizeof(inst), cmp_int64) != NULL;
	}
	if (direct) {
		b = e->dbuf;
		mdx_time_format(c->open_time, tb);
		mdx_buf_printf(b, "%s\t%s\t%s", c->symbol, e->iv, tb);
		e->ndirect++;
	} else {
		mdx_buf_printf(b, "%s\t%lld", c->symbol,
		    (long long)c->open_time);
		m = mdx_interval_floor(e->month, c->open_time);
		if (e->months.n == 0 || (e->months.v[e->months.n - 1] != m &&
		    !ilist_has(&e->months, m)))
			ilist_add(&e->months, m);
		if (e->keep_keys) {
			if (e->nkeys == e->capkeys) {
				e->capkeys = e->capkeys ? e->capkeys * 2 : 256;
				e->keys = mdx_realloc(e->keys,
				    e->capkeys * sizeof(*e->keys));
			}
			e->keys[e->nkeys].inst = strtoll(c->symbol, NULL, 10);
			e->keys[e->nkeys++].b = c->open_time;
		}
	}
	mdx_copy_dec(b, &c->open, 1);
	mdx_copy_dec(b, &c->high, 1);
	mdx_copy_dec(b, &c->low, 1);
	mdx_copy_dec(b, &c->close, 1);
	mdx_copy_dec(b, &c->volume, c->has & MDX_C_VOLUME);
	mdx_copy_dec(b, &c->quote_volume, c->has & MDX_C_QUOTE_VOLUME);
	if (c->has & MDX_C_TRADES)
		mdx_buf_printf(b, "\t%lld", (long long)c->trades);
	else
		mdx_buf_add(b, "\t\\N", 3);
	mdx_copy_dec(b, &c->taker_buy_volume, c->has & MDX_C_TAKER_BUY_VOLUME);
	mdx_copy_dec(b, &c->taker_buy_quote_volume,
	    c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME);
	if (direct)
		mdx_buf_printf(b, "\t%s\trollup\t%d\t%d\t%s\n",
		    c->closed ? "t" : "f", c->base_count, c->base_expected,
		    e->run);
	else
		mdx_buf_printf(b, "\t%s\t%d\t%d\n", c->closed ? "t" : "f",
		    c->base_count, c->base_expected);
	if (e->n == 0 || c->open_time < e->lo)
		e->lo = c->open_time;
	if (e->n == 0 || c->open_time > e->hi)
		e->hi = c->open_time;
	e->n++;
}

/* ------------------------------------------------------------------------
 * Source rows in COPY's binary format: the server sends numerics as their
 * base-10000 digits instead of formatting them, and lib/copy.c's readers
 * turn the fields into values without parsing text.
 */

/*
 * One binary COPY row of source candles (instrument_id, open_time, open,
 * high, low, close, volume, quote_volume, trades, taker_buy_volume,
 * taker_buy_quote_volume, closed, base_count) into c.  The first row of a
 * stream carries the header in front.  Returns 1 for a row, 0 for the
 * trailer, -1 for anything else.
 */
static int
parse_row(const unsigned char *p, size_t len, const struct mdx_interval *iv,
    struct mdx_candle *c, int64_t *inst)
{
	static const unsigned char sig[11] = "PGCOPY\n\377\r\n";
	static const unsigned bit[13] = { 0, 0, 0, 0, 0, 0, MDX_C_VOLUME,
	    MDX_C_QUOTE_VOLUME, MDX_C_TRADES, MDX_C_TAKER_BUY_VOLUME,
	    MDX_C_TAKER_BUY_QUOTE_VOLUME, 0, MDX_C_BASE_COUNT };
	mdx_dec *dec[13] = { NULL, NULL, &c->open, &c->high, &c->low,
	    &c->close, &c->volume, &c->quote_volume, NULL,
	    &c->taker_buy_volume, &c->taker_buy_quote_volume, NULL, NULL };
	const unsigned char *e = p + len;
	size_t fl;
	int32_t n;
	int i;

	if (len >= 19 && memcmp(p, sig, sizeof(sig)) == 0) {
		n = (int32_t)mdx_copy_bin_get(p + 15, 4);
		if (n < 0 || (size_t)n > len - 19)
			return -1;
		p += 19 + n;
	}
	if (e - p < 2)
		return -1;
	n = (int16_t)(p[0] << 8 | p[1]);
	p += 2;
	if (n == -1)
		return p == e ? 0 : -1;
	if (n != 13)
		return -1;
	c->has = 0;
	c->trades = 0;
	c->base_count = 0;
	for (i = 0; i < 13; i++) {
		if (e - p < 4)
			return -1;
		n = (int32_t)mdx_copy_bin_get(p, 4);
		p += 4;
		if (n == -1) {
			if (bit[i] == 0)
				return -1;
			continue;
		}
		fl = (size_t)n;
		if (n < 0 || fl > (size_t)(e - p))
			return -1;
		if (dec[i] != NULL) {
			if (mdx_copy_bin_get_dec(p, fl, dec[i]) != 0)
				return -1;
		} else if (i == 0 && fl == 8)
			*inst = (int64_t)mdx_copy_bin_get(p, 8);
		else if (i == 1 && fl == 8)
			c->open_time = mdx_copy_bin_get_time(p);
		else if (i == 8 && fl == 8)
			c->trades = (int64_t)mdx_copy_bin_get(p, 8);
		else if (i == 11 && fl == 1)
			c->closed = p[0] != 0;
		else if (i == 12 && fl == 4)
			c->base_count = (int32_t)mdx_copy_bin_get(p, 4);
		else
			return -1;
		c->has |= bit[i];
		p += fl;
	}
	if (p != e)
		return -1;
	c->interval = iv;
	c->origin = MDX_ORIGIN_EXCHANGE;
	return 1;
}

/*
 * One COPY ... TO STDOUT of source rows under way on a connection.  Each
 * stream is ordered by instrument and open time, so the newest open time
 * of an instrument is known when the stream moves to the next one.
 */
struct rstream {
	PGconn *c;
	struct mdx_candle cd;	/* the row being read */
	int64_t inst;
	mdx_time thr;
	int has, active;
};

static void
stream_thr(struct ctx *x, struct rstream *s)
{
	if (!s->has)
		return;
	ilist_add(&x->thr_inst, s->inst);
	ilist_add(&x->thr_ms, s->thr);
	s->has = 0;
}

static void
stream_row(struct ctx *x, struct rstream *s, const char *row, int n,
    const struct mdx_interval *src, struct mdx_rollup *eng)
{
	struct mdx_candle *c = &s->cd;
	char why[128];
	int64_t inst = 0;
	int rc;

	rc = parse_row((const unsigned char *)row, (size_t)n, src, c, &inst);
	if (rc == 0)
		return;
	if (rc < 0)
		mdx_die(MDX_EX_FAIL, "unexpected row from the warehouse "
		    "(%d bytes)", n);
	if (!s->has || s->inst != inst) {
		stream_thr(x, s);
		snprintf(c->symbol, sizeof(c->symbol), "%lld",
		    (long long)inst);
		s->inst = inst;
		s->thr = c->open_time;
		s->has = 1;
	} else if (c->open_time > s->thr)
		s->thr = c->open_time;
	if (x->gj.collecting)
		gaps_seen(x, inst, c->open_time);
	if (mdx_rollup_add(eng, c, NULL, 0, why, sizeof(why)) ==
	    MDX_ROLLUP_REJECT)
		mdx_die(MDX_EX_FAIL, "instrument %lld: %s", (long long)inst,
		    why);
	x->read++;
}

static void
stream_end(struct ctx *x, struct rstream *s)
{
	PGresult *r;

	while ((r = PQgetResult(s->c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			mdx_die(mdx_db_error_status(s->c, r),
			    "warehouse error: %s", PQresultErrorMessage(r));
		PQclear(r);
	}
	stream_thr(x, s);
	s->active = 0;
	/* The reader is free: the gap job's probe may go now. */
	if (s->c == x->c2 && x->gj.probe_wanted && !x->gj.probe_sent)
		gaps_probe_send(x);
}

/*
 * Runs COPY ... TO STDOUT statements sql[i] on connections c[i] at the
 * same time and feeds their rows to the engine as they come.  The streams
 * hold disjoint instruments, and the engine keeps its state per series,
 * so the interleaving does not change the result; the server converts the
 * rows of one stream while the engine rolls up those of the other.
 */
static void
copy_through(struct ctx *x, PGconn **c, const char **sql, int n,
    const struct mdx_interval *src, struct mdx_rollup *eng)
{
	struct rstream s[2];
	PGresult *r;
	fd_set rfds;
	char *row;
	int i, k, active, progress, maxfd;

	if (n > 2)
		n = 2;
	memset(s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		s[i].c = c[i];
		s[i].cd.exchange[0] = s[i].cd.market[0] = '-';
		if (c[i] == x->c2)
			c2_drain(x);
		if (PQsendQuery(c[i], sql[i]) != 1)
			mdx_die(mdx_db_error_status(c[i], NULL),
			    "warehouse error: %s", PQerrorMessage(c[i]));
	}
	for (i = 0; i < n; i++) {
		r = PQgetResult(c[i]);
		if (r == NULL || PQresultStatus(r) != PGRES_COPY_OUT)
			mdx_die(mdx_db_error_status(c[i], r),
			    "warehouse error: %s", r != NULL ?
			    PQresultErrorMessage(r) : PQerrorMessage(c[i]));
		PQclear(r);
		s[i].active = 1;
	}
	active = n;
	while (active > 0) {
		progress = 0;
		for (i = 0; i < n; i++) {
			if (!s[i].active)
				continue;
			while ((k = PQgetCopyData(c[i], &row, 1)) > 0) {
				stream_row(x, &s[i], row, k, src, eng);
				PQfreemem(row);
				progress = 1;
			}
			if (k == -2)
				mdx_die(mdx_db_error_status(c[i], NULL),
				    "warehouse error: %s",
				    PQerrorMessage(c[i]));
			if (k == -1) {
				stream_end(x, &s[i]);
				active--;
				progress = 1;
			}
		}
		if (progress || active == 0)
			continue;
		FD_ZERO(&rfds);
		maxfd = -1;
		for (i = 0; i < n; i++) {
			if (!s[i].active)
				continue;
			FD_SET(PQsocket(c[i]), &rfds);
			if (PQsocket(c[i]) > maxfd)
				maxfd = PQsocket(c[i]);
		}
		if (select(maxfd + 1, &rfds, NULL, NULL, NULL) == -1 &&
		    errno != EINTR)
			mdx_die(MDX_EX_FAIL, "select: %s", strerror(errno));
		for (i = 0; i < n; i++)
			if (s[i].active && PQconsumeInput(c[i]) != 1)
				mdx_die(mdx_db_error_status(c[i], NULL),
				    "warehouse error: %s",
				    PQerrorMessage(c[i]));
	}
}

/* The columns of source rows, in the order parse_row() reads them. */
#define SRC_COLS "c.instrument_id, c.open_time, c.open, c.high, c.low, " \
    "c.close, c.volume, c.quote_volume, c.trades, c.taker_buy_volume, " \
    "c.taker_buy_quote_volume, c.closed, c.base_count"

/*
 * Reads the whole source series of the fresh instruments through the
 * engine.  One statement per connection reads its instruments in the
 * order of the primary key, instrument by instrument: the planner would
 * otherwise scan and sort the whole table once per instrument, or sort
 * everything on disk, where the index gives the order for free.  The
 * instruments are dealt to two connections (the main one, inside the
 * job's transaction, and a reader), so that two server processes convert
 * rows while this one rolls them up.  The reader sees a snapshot taken a
 * little later than the main one; that only means it may read changes
 * after the job's change log position, which the next run rolls up
 * again anyway.
 */
static void
read_fresh(struct ctx *x, const struct ilist *fresh,
    const struct mdx_interval *src, struct mdx_rollup *eng)
{
	struct ilist part[2] = { { 0 }, { 0 } };
	struct mdx_buf arr = MDX_BUF_INIT, sql[2] = { MDX_BUF_INIT,
	    MDX_BUF_INIT };
	const char *sqlp[2];
	PGconn *c[2];
	size_t i;
	int n, k;

	n = fresh->n > 1 ? 2 : 1;
	for (i = 0; i < fresh->n; i++)
		ilist_add(&part[i % (size_t)n], fresh->v[i]);
	qq(x, "SET LOCAL enable_sort = off");
	c[0] = x->c;
	c[1] = x->c2;
	for (k = 0; k < n; k++) {
		ilist_array(&part[k], &arr);
		mdx_buf_printf(&sql[k], "COPY (SELECT " SRC_COLS " FROM "
		    "mdx.candle c WHERE c.instrument_id = ANY('%s'::bigint[]) "
		    "AND c.interval = '%s' ORDER BY c.instrument_id, "
		    "c.open_time) TO STDOUT (FORMAT binary)", arr.data,
		    src->code);
		sqlp[k] = sql[k].data;
	}
	copy_through(x, c, sqlp, n, src, eng);
	qq(x, "RESET enable_sort");
	for (k = 0; k < 2; k++) {
		free(part[k].v);
		mdx_buf_free(&sql[k]);
	}
	mdx_buf_free(&arr);
}

/*
 * Reads the source candles of the changed buckets bk (sorted, of interval
 * t) through the engine.  Consecutive buckets of an instrument make one
 * range, and the instruments are dealt, in order and about half the
 * buckets each, to the job's connection and the reader, which read at the
 * same time (see copy_through() and read_fresh() for why the reader's
 * later snapshot does no harm).  A connection whose instruments all have
 * the same one range (the usual incremental run: the newest hour of every
 * instrument) reads it with one scan of the primary key, whose order is
 * the order wanted, and no sort; other sets of ranges are read with a
 * probe of the primary key per range, whatever the statistics say (OFFSET
 * 0 keeps the planner from turning the lateral subquery into a join), and
 * a sort.  The bounds of each statement, as constants, let the planner
 * leave out the partitions outside them: planning every partition would
 * cost in proportion to the history.
 */
static void
read_buckets(struct ctx *x, const struct mdx_interval *t,
    const struct mdx_interval *src, const struct ibucket *bk, size_t nbk,
    struct mdx_rollup *eng)
{
	struct mdx_buf ids = MDX_BUF_INIT, los = MDX_BUF_INIT,
	    his = MDX_BUF_INIT, sql[2] = { MDX_BUF_INIT, MDX_BUF_INIT };
	char tb[MDX_TIME_BUFSZ], tlo[MDX_TIME_BUFSZ], thi[MDX_TIME_BUFSZ];
	const char *sqlp[2];
	PGconn *c[2];
	const struct mdx_interval *month = mdx_interval_lookup("1M");
	char rel[40];
	size_t i, r, nr, cut, part[3];
	mdx_time lo, hi, m, plo = 0, phi = 0;
	int64_t mid;
	int k, n, same;
	struct range {
		int64_t inst;
		mdx_time lo, hi;
	} *rg;

	rg = mdx_calloc(nbk, sizeof(*rg));
	for (i = nr = 0; i < nbk; i++) {
		if (nr > 0 && rg[nr - 1].inst == bk[i].inst &&
		    rg[nr - 1].hi == bk[i].b) {
			rg[nr - 1].hi = mdx_interval_next(t, bk[i].b);
			continue;
		}
		rg[nr].inst = bk[i].inst;
		rg[nr].lo = bk[i].b;
		rg[nr++].hi = mdx_interval_next(t, bk[i].b);
	}
	/*
	 * The second half starts with the first range of the instrument
	 * after the one of the middle bucket, or of that one when it is the
	 * last.
	 */
	cut = 0;
	if (x->c2 != NULL && nr > 1) {
		mid = bk[nbk / 2].inst;
		while (cut < nr && rg[cut].inst <= mid)
			cut++;
		if (cut == nr)
			for (cut = 0; rg[cut].inst < mid; cut++)
				;
	}
	n = cut > 0 && cut < nr ? 2 : 1;
	part[0] = 0;
	part[1] = n == 2 ? cut : nr;
	part[2] = nr;
	c[0] = x->c;
	c[1] = x->c2;
	for (k = 0; k < n; k++) {
		mdx_buf_reset(&ids);
		mdx_buf_reset(&los);
		mdx_buf_reset(&his);
		same = 1;
		for (r = part[k]; r < part[k + 1]; r++) {
			lo = rg[r].lo;
			hi = rg[r].hi;
			if (r == part[k]) {
				plo = lo;
				phi = hi;
			} else {
				if (lo != plo || hi != phi ||
				    rg[r].inst == rg[r - 1].inst)
					same = 0;
				if (lo < plo)
					plo = lo;
				if (hi > phi)
					phi = hi;
			}
			mdx_buf_printf(&ids, "%c%lld", r > part[k] ? ',' : '{',
			    (long long)rg[r].inst);
			mdx_time_format(lo, tb);
			mdx_buf_printf(&los, "%c%s", r > part[k] ? ',' : '{',
			    tb);
			mdx_time_format(hi, tb);
			mdx_buf_printf(&his, "%c%s", r > part[k] ? ',' : '{',
			    tb);
		}
		mdx_buf_addch(&ids, '}');
		mdx_buf_addch(&los, '}');
		mdx_buf_addch(&his, '}');
		mdx_time_format(plo, tlo);
		mdx_time_format(phi, thi);
		/*
		 * A range within one month with its own partition is read
		 * from there: the statement then opens neither mdx.candle
		 * nor the list of its partitions, which a new session reads
		 * from the catalog at a cost that grows with the history.
		 */
		m = mdx_interval_floor(month, plo);
		if (phi > mdx_interval_next(month, m) ||
		    !month_partition(x, m, rel, sizeof(rel)))
			snprintf(rel, sizeof(rel), "mdx.candle");
		if (same)
			mdx_buf_printf(&sql[k], "COPY (SELECT " SRC_COLS
			    " FROM %s c WHERE c.instrument_id = "
			    "ANY('%s'::bigint[]) AND c.interval = '%s' AND "
			    "c.open_time >= '%s' AND c.open_time < '%s' "
			    "ORDER BY c.instrument_id, c.open_time) TO STDOUT "
			    "(FORMAT binary)", rel, ids.data, src->code, tlo,
			    thi);
		else
			mdx_buf_printf(&sql[k], "COPY (SELECT " SRC_COLS
			    " FROM unnest('%s'::bigint[], '%s'::timestamptz[], "
			    "'%s'::timestamptz[]) AS k(instrument_id, b, e) "
			    "CROSS JOIN LATERAL (SELECT * FROM %s c "
			    "WHERE c.instrument_id = k.instrument_id AND "
			    "c.interval = '%s' AND c.open_time >= k.b AND "
			    "c.open_time < k.e AND c.open_time >= '%s' AND "
			    "c.open_time < '%s' OFFSET 0) c ORDER BY 1, 2) "
			    "TO STDOUT (FORMAT binary)", ids.data, los.data,
			    his.data, rel, src->code, tlo, thi);
		sqlp[k] = sql[k].data;
		mdx_debug("%s from %s: %zu ranges of changed buckets, connection "
		    "%d: %zu, %s", t->code, src->code, nr, k + 1,
		    part[k + 1] - part[k], same ? "one scan" : "a probe each");
	}
	copy_through(x, c, sqlp, n, src, eng);
	free(rg);
	mdx_buf_free(&ids);
	mdx_buf_free(&los);
	mdx_buf_free(&his);
	mdx_buf_free(&sql[0]);
	mdx_buf_free(&sql[1]);
}

/*
 * Replaces the gap rows of the deferred instruments with the gaps the
 * engine found, keeping the status of gaps found again (as
 * mdx.detect_gaps_many does), and moves their gap watermarks.
 */
static void
write_deferred_gaps(struct ctx *x, const struct seqmap *hd)
{
	struct mdx_buf arr = MDX_BUF_INIT;
	const char *p[3];
	PGresult *r;

	qq(x, "CREATE TEMP TABLE IF NOT EXISTS agg_gap (i bigint, "
	    "f timestamptz, t timestamptz, n bigint)");
	qq(x, "TRUNCATE agg_gap");
	copy_in(x, "COPY agg_gap FROM STDIN", &x->gapcopy);
	ilist_array(&x->defer, &arr);
	p[0] = arr.data;
	p[1] = x->base->code;
	p[2] = x->run;
	r = qp(x, "WITH old AS (DELETE FROM mdx.gap x WHERE x.instrument_id = "
	    "ANY($1::bigint[]) AND x.interval = $2 AND x.status <> 'filled' "
	    "RETURNING x.*), ins AS (INSERT INTO mdx.gap (instrument_id, "
	    "interval, from_time, to_time, missing, status, detected_at, "
	    "refetched_at, confirmed_at, run_id) SELECT g.i, $2, g.f, g.t, "
	    "g.n, coalesce(o.status, 'open'), coalesce(o.detected_at, now()), "
	    "o.refetched_at, o.confirmed_at, $3::bigint FROM agg_gap g "
	    "LEFT JOIN LATERAL (SELECT * FROM old WHERE old.instrument_id = "
	    "g.i AND old.from_time <= g.f AND g.t <= old.to_time "
	    "ORDER BY old.from_time LIMIT 1) o ON true RETURNING 1) "
	    "SELECT count(*) FROM ins", 3, p);
	x->gaps_found += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	set_watermarks(x, x->base->code, "gaps", x->base->code, hd, NULL,
	    &x->defer, 0);
	x->defer.n = 0;
	mdx_buf_free(&arr);
}

/*
 * The instruments of list that have no candle of interval t at all,
 * sorted: nothing of theirs can be held, updated or deleted, so their
 * rollups are copied into mdx.candle without the upsert.
 */
static void
no_rows_yet(struct ctx *x, const struct ilist *list,
    const struct mdx_interval *t, struct ilist *out)
{
	struct mdx_buf arr = MDX_BUF_INIT;
	const char *p[2];
	PGresult *r;
	size_t k;
	int i;

	if (x->citus) {
		for (k = 0; k < list->n; k++)
			if (!has_candles(x, list->v[k], t->code))
				ilist_add(out, list->v[k]);
		return;
	}
	ilist_array(list, &arr);
	p[0] = arr.data;
	p[1] = t->code;
	r = qp(x, "SELECT u.i FROM unnest($1::bigint[]) AS u(i) WHERE NOT "
	    "EXISTS (SELECT 1 FROM mdx.candle c WHERE c.instrument_id = u.i "
	    "AND c.interval = $2) ORDER BY 1", 2, p);
	for (i = 0; i < PQntuples(r); i++)
		ilist_add(out, strtoll(PQgetvalue(r, i, 0), NULL, 10));
	PQclear(r);
	mdx_buf_free(&arr);
}

/* The columns an upsert of rollups sets, from agg_out. */
#define UPSERT_SQL "(instrument_id, interval, open_time, open, high, " \
    "low, close, volume, quote_volume, trades, taker_buy_volume, " \
    "taker_buy_quote_volume, closed, origin, base_count, base_expected, " \
    "run_id, updated_at) SELECT instrument_id, $1, 'epoch'::timestamptz + " \
    "open_ms * interval '1 millisecond', open, high, low, close, volume, " \
    "quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, " \
    "closed, 'rollup', base_count, base_expected, $2::bigint, now() " \
    "FROM agg_out " \
    "WHERE open_ms >= $3::int8 AND open_ms < $4::int8 " \
    "ON CONFLICT (instrument_id, interval, open_time) DO UPDATE " \
    "SET open = excluded.open, high = excluded.high, " \
    "low = excluded.low, close = excluded.close, " \
    "volume = excluded.volume, quote_volume = excluded.quote_volume, " \
    "trades = excluded.trades, " \
    "taker_buy_volume = excluded.taker_buy_volume, " \
    "taker_buy_quote_volume = excluded.taker_buy_quote_volume, " \
    "closed = excluded.closed, base_count = excluded.base_count, " \
    "base_expected = excluded.base_expected, " \
    "run_id = excluded.run_id, updated_at = excluded.updated_at " \
    "WHERE c.origin = 'rollup' AND (c.open, c.high, c.low, " \
    "c.close, c.volume, c.quote_volume, c.trades, " \
    "c.taker_buy_volume, c.taker_buy_quote_volume, c.closed, " \
    "c.base_count, c.base_expected) IS DISTINCT FROM " \
    "(excluded.open, excluded.high, excluded.low, " \
    "excluded.close, excluded.volume, excluded.quote_volume, " \
    "excluded.trades, excluded.taker_buy_volume, " \
    "excluded.taker_buy_quote_volume, excluded.closed, " \
    "excluded.base_count, excluded.base_expected)"

/*
 * The name of the partition of the month starting at m, as
 * mdx.ensure_candle_partitions() makes it (mdx.candle_YYYYMM), into name,
 * and its bounds as pg_get_expr() shows them into bound.
 */
static void
month_bound(mdx_time m, char name[40], char bound[128])
{
	const struct mdx_interval *month = mdx_interval_lookup("1M");
	struct mdx_tm a, b;

	mdx_time_split(m, &a);
	mdx_time_split(mdx_interval_next(month, m), &b);
	snprintf(name, 40, "mdx.candle_%04d%02d", a.year, a.month);
	snprintf(bound, 128, "FOR VALUES FROM ('%04d-%02d-01 "
	    "00:00:00+00') TO ('%04d-%02d-01 00:00:00+00')", a.year, a.month,
	    b.year, b.month);
}

/* The partitions of mdx.candle, with their bounds (see partitions_known). */
#define PARTITIONS_SQL "SELECT n.nspname || '.' || c.relname, " \
    "pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i " \
    "JOIN pg_class c ON c.oid = i.inhrelid " \
    "JOIN pg_namespace n ON n.oid = c.relnamespace " \
    "WHERE i.inhparent = 'mdx.candle'::regclass"

/*
 * Learns the months that have their own partition from r, the result of
 * PARTITIONS_SQL (cleared here): month_partition() then asks the server
 * about no month.
 */
static void
partitions_known(struct ctx *x, PGresult *r)
{
	char name[40], bound[128];
	const char *rel;
	mdx_time m;
	int j, y, mo;

	for (j = 0; j < PQntuples(r); j++) {
		rel = PQgetvalue(r, j, 0);
		if (sscanf(rel, "mdx.candle_%4d%2d", &y, &mo) != 2 ||
		    mo < 1 || mo > 12 || y < 1970)
			continue;
		m = mdx_time_join(y, mo, 1, 0, 0, 0, 0);
		month_bound(m, name, bound);
		if (strcmp(name, rel) != 0 ||
		    strcmp(bound, PQgetvalue(r, j, 1)) != 0)
			continue;
		ilist_add(&x->pmonth, m);
		ilist_add(&x->pdirect, 1);
	}
	PQclear(r);
	x->plist = 1;
}

/*
 * Whether the month starting at m has its partition mdx.candle_YYYYMM, as
 * mdx.ensure_candle_partitions() makes them (name and bounds), whose name
 * goes to name when it is not NULL; the answer is kept for the run.
 */
static int
month_partition(struct ctx *x, mdx_time m, char *name, size_t namesz)
{
	char bound[128], pname[40];
	const char *p[2] = { pname, bound };
	PGresult *r;
	size_t i;
	int yes;

	month_bound(m, pname, bound);
	if (name != NULL)
		snprintf(name, namesz, "%s", pname);
	for (i = 0; i < x->pmonth.n; i++)
		if (x->pmonth.v[i] == m)
			return x->pdirect.v[i] != 0;
	if (x->plist)
		yes = 0;
	else {
		r = qp(x, "SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN "
		    "pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = "
		    "'mdx.candle'::regclass AND c.oid = to_regclass($1) AND "
		    "pg_get_expr(c.relpartbound, c.oid) = $2)", 2, p);
		yes = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
	}
	ilist_add(&x->pmonth, m);
	ilist_add(&x->pdirect, yes);
	return yes;
}

/* Asks again about the months that had no partition of their own. */
static void
forget_missing_partitions(struct ctx *x)
{
	size_t i, k;

	for (i = k = 0; i < x->pmonth.n; i++)
		if (x->pdirect.v[i]) {
			x->pmonth.v[k] = x->pmonth.v[i];
			x->pdirect.v[k++] = 1;
		}
	x->pmonth.n = x->pdirect.n = k;
	x->plist = 0;
}

/*
 * The pieces of the join of agg_out with the candles that hold a rollup's
 * key: a lateral subquery (OFFSET 0 keeps one probe of the primary key per
 * rollup, whatever the statistics of agg_out say), or on Citus a plain
 * join, which it runs by sending agg_out to the shards.
 */
#define HELD_JOIN(x) ((x)->citus ? "JOIN" : "CROSS JOIN LATERAL (SELECT 1 FROM")
#define HELD_ON(x) ((x)->citus ? "ON" : "WHERE")
#define HELD_END(x) ((x)->citus ? "" : "OFFSET 0) c")

/*
 * Upserts the rollups of agg_out that open in the month starting at m,
 * counting those held by candles of other origins under the same key.
 * Rows go straight into the month's partition, and the same statement
 * logs them (one change log entry per instrument and hour of the rows
 * inserted or changed; outside Citus without the PL/pgSQL function, see
 * MDX_DB_LOG_CTE_INLINE).  A month whose partition
 * mdx.ensure_candle_partitions() did not make goes through mdx.candle.
 * The rollups come from agg_out, or where cols is not NULL from the
 * arrays of agg_arrays(), which only a month with its own partition
 * takes.
 */
static void
upsert_month(struct ctx *x, const struct mdx_interval *t, mdx_time m,
    const struct mdx_buf *cols)
{
	const struct mdx_interval *month = mdx_interval_lookup("1M");
	char part[40], s3[24], s4[24], tb1[MDX_TIME_BUFSZ],
	    tb2[MDX_TIME_BUFSZ];
	const char *p[4 + AGG_OUT_NCOLS] = { t->code, x->run, s3, s4 };
	const char *hp[3] = { t->code, s3, s4 };
	PGresult *r;
	int i;

	snprintf(s3, sizeof(s3), "%lld", (long long)m);
	snprintf(s4, sizeof(s4), "%lld",
	    (long long)mdx_interval_next(month, m));
	if (cols != NULL)
		for (i = 0; i < AGG_OUT_NCOLS; i++)
			p[4 + i] = cols[i].data;
	if (month_partition(x, m, part, sizeof(part))) {
		r = qp(x, sqlf(x, "WITH %sh AS (SELECT count(*) AS n FROM "
		    "agg_out o %s %s c %s "
		    "c.instrument_id = o.instrument_id AND c.interval = $1 AND "
		    "c.open_time = 'epoch'::timestamptz + o.open_ms * "
		    "interval '1 millisecond' AND c.origin <> 'rollup' "
		    "%s WHERE o.open_ms >= $3::int8 AND "
		    "o.open_ms < $4::int8), w AS (INSERT INTO %s AS c "
		    UPSERT_SQL " RETURNING c.instrument_id, c.interval, "
		    "c.open_time), %s SELECT (SELECT n "
		    "FROM h), (SELECT count(*) FROM w), (SELECT count(*) FROM "
		    "lg)", cols != NULL ? AGG_OUT_CTE : "", HELD_JOIN(x),
		    part, HELD_ON(x), HELD_END(x), part,
		    x->citus ? MDX_DB_LOG_CTE("w") :
		    MDX_DB_LOG_CTE_INLINE("w")),
		    cols != NULL ? 4 + AGG_OUT_NCOLS : 4, p);
		x->held += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		x->written += strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		PQclear(r);
		return;
	}
	mdx_time_format(m, tb1);
	mdx_time_format(mdx_interval_next(month, m), tb2);
	r = qp(x, sqlf(x, "SELECT count(*) FROM agg_out o %s mdx.candle c "
	    "%s c.instrument_id = o.instrument_id AND c.interval = $1 "
	    "AND c.open_time = 'epoch'::timestamptz + o.open_ms * "
	    "interval '1 millisecond' AND c.origin <> 'rollup' AND "
	    "c.open_time >= '%s' AND c.open_time < '%s' %s "
	    "WHERE o.open_ms >= $2::int8 AND o.open_ms < $3::int8",
	    HELD_JOIN(x), HELD_ON(x), tb1, tb2, HELD_END(x)), 3, hp);
	x->held += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	r = qp(x, "WITH w AS (INSERT INTO mdx.candle AS c " UPSERT_SQL
	    " RETURNING c.instrument_id, c.interval, c.open_time), "
	    MDX_DB_LOG_CTE("w") " SELECT (SELECT count(*) FROM w), "
	    "(SELECT count(*) FROM lg)", 4, p);
	x->written += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
}

/*
 * Rolls up target interval t from source interval src for the fresh
 * instruments (all their buckets) and the changed buckets of the others,
 * in one transaction, then moves the watermarks.
 */
static void
rollup_job(struct ctx *x, const struct mdx_interval *t,
    const struct mdx_interval *src)
{
	struct ilist fresh = { 0 }, done = { 0 }, direct = { 0 }, redo = { 0 };
	struct seqmap seqs = { 0 }, hd = { 0 };
	struct mdx_buf dbuf = MDX_BUF_INIT;
	struct ibucket *bk = NULL;
	size_t nbk = 0, cap = 0, i, k;
	struct mdx_rollup_opts ro;
	struct mdx_rollup *eng;
	struct emit em;
	struct mdx_buf arr = MDX_BUF_INIT;
	char tb1[MDX_TIME_BUFSZ], tb2[MDX_TIME_BUFSZ], s1[24], s2[24];
	char tmin_s[MDX_TIME_BUFSZ], tmax_s[MDX_TIME_BUFSZ];
	const char *p[4], *sqlp;
	const char *jp[4] = { t->code, "rollup", src->code, x->base->code };
	struct mdx_buf cols[AGG_OUT_NCOLS];
	struct pstmt st[3];
	PGresult *r, *res[3];
	int64_t inst;
	mdx_time from, to, b, tmin = 0, tmax = 0;
	int j, ensure;

	memset(&em, 0, sizeof(em));
	for (j = 0; j < AGG_OUT_NCOLS; j++)
		mdx_buf_init(&cols[j]);
	/* The job's transaction and what it reads first, in one trip. */
	st[0].sql = "BEGIN";
	st[0].n = 0;
	st[0].p = NULL;
	st[1].sql = FRESH_SQL;
	st[2].sql = changes_sql(x);
	st[1].n = st[2].n = 4;
	st[1].p = st[2].p = jp;
	res[0] = res[1] = res[2] = NULL;
	qpipe(x, st, 3, res);
	PQclear(res[0]);
	fresh_rest(x, res[1], src->code, &fresh);
	heads(x, &fresh, &hd);
	r = res[2];
	changes_seqs(r, &seqs);
	for (j = 0; j < PQntuples(r); j++) {
		inst = strtoll(PQgetvalue(r, j, 0), NULL, 10);
		from = strtoll(PQgetvalue(r, j, 1), NULL, 10);
		to = strtoll(PQgetvalue(r, j, 2), NULL, 10);
		for (b = mdx_interval_floor(t, from); b <= to;
		    b = mdx_interval_next(t, b)) {
			if (nbk == cap) {
				cap = cap ? cap * 2 : 256;
				bk = mdx_realloc(bk, cap * sizeof(*bk));
			}
			bk[nbk].inst = inst;
			bk[nbk++].b = b;
		}
	}
	PQclear(r);
	if (nbk > 1)
		qsort(bk, nbk, sizeof(*bk), cmp_ibucket);
	for (i = k = 0; i < nbk; i++)
		if (k == 0 || cmp_ibucket(&bk[k - 1], &bk[i]) != 0)
			bk[k++] = bk[i];
	nbk = k;
	if (nbk == 0 && fresh.n == 0) {
		qq(x, "COMMIT");
		goto out;
	}

	memset(&ro, 0, sizeof(ro));
	ro.to[0] = t;
	ro.nto = 1;
	ro.unit = x->base;
	ro.candle = emit_row;
	if (src == x->base && x->defer.n > 0) {
		ro.gaps = 1;
		ro.gap = emit_gap;
		mdx_buf_reset(&x->gapcopy);
		x->ngapcopy = 0;
	}
	em.x = x;
	em.b = &x->copy;
	em.iv = t->code;
	em.run = x->run;
	em.keep_keys = nbk > 0;
	em.month = mdx_interval_lookup("1M");
	if (fresh.n > 0) {
		no_rows_yet(x, &fresh, t, &direct);
		em.direct = &direct;
		em.dbuf = &dbuf;
		for (i = 0; i < fresh.n; i++)
			if (direct.n == 0 || bsearch(&fresh.v[i], direct.v,
			    direct.n, sizeof(int64_t), cmp_int64) == NULL)
				ilist_add(&redo, fresh.v[i]);
	}
	ro.arg = &em;
	eng = mdx_rollup_new(&ro);
	mdx_buf_reset(&x->copy);

	if (nbk > 0) {
		/*
		 * The instruments, and the bounds of all buckets: on Citus,
		 * as constants, they let the planner leave out the
		 * partitions outside them (planning every partition would
		 * cost in proportion to the history).
		 */
		for (i = 0; i < nbk; i++) {
			if (i == 0 || bk[i].inst != bk[i - 1].inst)
				ilist_add(&done, bk[i].inst);
			if (i == 0 || bk[i].b < tmin)
				tmin = bk[i].b;
			if (i == 0 || mdx_interval_next(t, bk[i].b) > tmax)
				tmax = mdx_interval_next(t, bk[i].b);
		}
		mdx_time_format(tmin, tmin_s);
		mdx_time_format(tmax, tmax_s);
		if (x->citus) {
			/*
			 * Citus takes a plain join with a table: it sends
			 * agg_bucket to the shards and joins it there.
			 */
			mdx_buf_reset(&x->sql);
			for (i = 0; i < nbk; i++) {
				mdx_time_format(bk[i].b, tb1);
				mdx_time_format(mdx_interval_next(t, bk[i].b),
				    tb2);
				mdx_buf_printf(&x->sql, "%lld\t%s\t%s\n",
				    (long long)bk[i].inst, tb1, tb2);
			}
			mdx_buf_add(&x->copy, x->sql.data, x->sql.len);
			make_temp(x);
			copy_in(x, "COPY agg_bucket FROM STDIN", &x->copy);
			mdx_buf_reset(&x->copy);
			sqlp = sqlf(x, "COPY (SELECT " SRC_COLS " FROM "
			    "agg_bucket k JOIN mdx.candle c ON "
			    "c.instrument_id = k.instrument_id AND "
			    "c.interval = '%s' AND c.open_time >= k.b AND "
			    "c.open_time < k.e WHERE c.open_time >= '%s' AND "
			    "c.open_time < '%s' ORDER BY 1, 2) TO STDOUT "
			    "(FORMAT binary)", src->code, tmin_s, tmax_s);
		}
		/* The gap job's ranges this read holds whole (see x->gj). */
		if (x->gj.pending && src == x->base) {
			gaps_cover(x, t, bk, nbk);
			x->gj.collecting = 1;
		}
		if (x->citus)
			copy_through(x, &x->c, &sqlp, 1, src, eng);
		else
			read_buckets(x, t, src, bk, nbk, eng);
		x->gj.collecting = 0;
		x->buckets += nbk;
	}
	if (fresh.n > 0)
		read_fresh(x, &fresh, src, eng);
	for (i = 0; i < fresh.n; i++)
		ilist_add(&done, fresh.v[i]);
	x->fresh += fresh.n;
	mdx_rollup_finish(eng);
	/* Buckets whose sums overflow were said and left out; the run
	 * ends with 65 for them. */
	x->bad_buckets += mdx_rollup_stats(eng)->bad_buckets;
	mdx_rollup_free(eng);

	/*
	 * The partitions for the rollups, unless all of them go to months
	 * known to have theirs: the PL/pgSQL function costs a compile in
	 * each new session.
	 */
	ensure = em.ndirect > 0;
	for (i = 0; i < em.months.n && !ensure; i++)
		ensure = !month_partition(x, em.months.v[i], NULL, 0);
	if (ensure) {
		mdx_time_format(em.lo, tb1);
		mdx_time_format(em.hi, tb2);
		p[0] = tb1;
		p[1] = tb2;
		qqp(x, "SELECT mdx.ensure_candle_partitions($1, $2)", 2, p);
		forget_missing_partitions(x);
	}
	if (em.ndirect > 0) {
		copy_in(x, "COPY mdx.candle (instrument_id, interval, "
		    "open_time, open, high, low, close, volume, quote_volume, "
		    "trades, taker_buy_volume, taker_buy_quote_volume, closed, "
		    "origin, base_count, base_expected, run_id) FROM STDIN",
		    &dbuf);
		x->written += em.ndirect;
		/* These instruments had no candle of t: all are new. */
		ilist_array(&direct, &arr);
		p[0] = arr.data;
		p[1] = t->code;
		PQclear(qp(x, "WITH " MDX_DB_LOG_CTE("(SELECT c.instrument_id, "
		    "c.interval, c.open_time FROM mdx.candle c WHERE "
		    "c.instrument_id = ANY($1::bigint[]) AND c.interval = $2)")
		    " SELECT count(*) FROM lg", 2, p));
	}
	if (em.n > em.ndirect && redo.n == 0 && !x->citus &&
	    em.n - em.ndirect <= AGG_INLINE_MAX && em.months.n == 1 &&
	    month_partition(x, em.months.v[0], NULL, 0)) {
		agg_arrays(&x->copy, cols);
		upsert_month(x, t, em.months.v[0], cols);
	} else if (em.n > em.ndirect) {
		make_temp(x);
		copy_in(x, "COPY agg_out FROM STDIN", &x->copy);
		for (i = 0; i < em.months.n; i++)
			upsert_month(x, t, em.months.v[i], NULL);
	}
	/*
	 * Buckets whose source candles are all gone lose their rollup: the
	 * changed buckets the engine emitted nothing for.
	 */
	if (nbk > 0) {
		if (em.nkeys > 1)
			qsort(em.keys, em.nkeys, sizeof(*em.keys), cmp_ibucket);
		mdx_buf_reset(&arr);
		mdx_buf_reset(&x->sql);
		for (i = 0; i < nbk; i++) {
			if (em.nkeys > 0 && bsearch(&bk[i], em.keys, em.nkeys,
			    sizeof(*em.keys), cmp_ibucket) != NULL)
				continue;
			mdx_buf_printf(&arr, "%c%lld", arr.len ? ',' : '{',
			    (long long)bk[i].inst);
			mdx_time_format(bk[i].b, tb1);
			mdx_buf_printf(&x->sql, "%c%s", x->sql.len ? ',' : '{',
			    tb1);
		}
		if (arr.len > 0) {
			mdx_buf_addch(&arr, '}');
			mdx_buf_addch(&x->sql, '}');
			p[0] = arr.data;
			p[1] = x->sql.data;
			p[2] = t->code;
			r = qp(x, "WITH w AS (DELETE FROM mdx.candle c USING "
			    "unnest($1::bigint[], $2::timestamptz[]) AS d(i, b) "
			    "WHERE c.instrument_id = d.i AND c.interval = $3 "
			    "AND c.open_time = d.b AND c.origin = 'rollup' "
			    "RETURNING c.instrument_id, c.interval, "
			    "c.open_time), " MDX_DB_LOG_CTE("w") " SELECT "
			    "(SELECT count(*) FROM w), (SELECT count(*) "
			    "FROM lg)", 3, p);
			x->deleted += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
			PQclear(r);
		}
	}
	if (redo.n > 0) {
		make_temp(x);
		ilist_array(&redo, &arr);
		p[0] = arr.data;
		p[1] = t->code;
		/*
		 * Citus correlates no subquery with a local table; it takes
		 * the rollups kept as a list.
		 */
		r = qp(x, x->citus ? "WITH w AS (DELETE FROM mdx.candle c "
		    "WHERE c.instrument_id = ANY($1::bigint[]) AND "
		    "c.interval = $2 AND c.origin = 'rollup' AND "
		    "(c.instrument_id, c.open_time) NOT IN (SELECT "
		    "o.instrument_id, 'epoch'::timestamptz + o.open_ms * "
		    "interval '1 millisecond' FROM agg_out o) "
		    "RETURNING c.instrument_id, c.interval, c.open_time), "
		    MDX_DB_LOG_CTE("w") " SELECT (SELECT count(*) FROM w), "
		    "(SELECT count(*) FROM lg)" :
		    "WITH w AS (DELETE FROM mdx.candle c WHERE "
		    "c.instrument_id = ANY($1::bigint[]) AND c.interval = $2 "
		    "AND c.origin = 'rollup' AND NOT EXISTS (SELECT 1 FROM "
		    "agg_out o WHERE o.instrument_id = c.instrument_id AND "
		    "o.open_ms = (extract(epoch FROM c.open_time) * 1000)::int8) "
		    "RETURNING c.instrument_id, c.interval, c.open_time), "
		    MDX_DB_LOG_CTE("w") " SELECT (SELECT count(*) FROM w), "
		    "(SELECT count(*) FROM lg)", 2, p);
		x->deleted += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	set_watermarks(x, t->code, "rollup", src->code, &seqs, &hd, &done,
	    !ro.gaps);
	if (ro.gaps) {
		write_deferred_gaps(x, &hd);
		qq(x, "COMMIT");
	}
	snprintf(s1, sizeof(s1), "%zu", nbk);
	snprintf(s2, sizeof(s2), "%zu", fresh.n);
	mdx_debug("%s from %s: %s changed buckets, %s instruments from "
	    "scratch, %llu rollups computed", t->code, src->code, s1, s2,
	    (unsigned long long)em.n);
out:
	seqmap_free(&seqs);
	seqmap_free(&hd);
	free(bk);
	free(fresh.v);
	free(done.v);
	free(direct.v);
	free(redo.v);
	free(em.months.v);
	free(em.keys);
	mdx_buf_free(&dbuf);
	mdx_buf_free(&arr);
	for (j = 0; j < AGG_OUT_NCOLS; j++)
		mdx_buf_free(&cols[j]);
}

/* ------------------------------------------------------------------------
 * Gaps.
 */
static void
add_time_elem(struct mdx_buf *b, mdx_time t, const char *inf)
{
	char tb[MDX_TIME_BUFSZ];

	mdx_buf_addch(b, b->len > 1 ? ',' : '{');
	if (inf != NULL)
		mdx_buf_addstr(b, inf);
	else {
		mdx_time_format(t, tb);
		mdx_buf_addstr(b, tb);
	}
}

/*
 * The first seven parameters of the gap checks (gaps_unchanged() and
 * gaps_probe_send()) for the changed ranges ri, rlo, rhi of the base
 * interval: the instruments and the two ends as arrays (in a, which the
 * caller frees), the interval, GAP_NEAR_MS, and the bounds that let the
 * planner leave out partitions: the earliest start less GAP_NEAR_MS and
 * the earliest end (into lo_s and hi_s).
 */
static void
gap_range_params(struct ctx *x, const struct ilist *ri,
    const struct ilist *rlo, const struct ilist *rhi, struct mdx_buf a[3],
    char near[32], char *lo_s, char *hi_s, const char *p[7])
{
	mdx_time lo = 0, hi = 0;
	size_t i;

	for (i = 0; i < ri->n; i++) {
		if (i == 0 || rlo->v[i] < lo)
			lo = rlo->v[i];
		if (i == 0 || rhi->v[i] < hi)
			hi = rhi->v[i];
		add_time_elem(&a[1], rlo->v[i], NULL);
		add_time_elem(&a[2], rhi->v[i], NULL);
	}
	ilist_array(ri, &a[0]);
	mdx_buf_addch(&a[1], '}');
	mdx_buf_addch(&a[2], '}');
	snprintf(near, 32, "%lld milliseconds", (long long)GAP_NEAR_MS);
	mdx_time_format(lo - GAP_NEAR_MS, lo_s);
	mdx_time_format(hi, hi_s);
	p[0] = a[0].data;
	p[1] = a[1].data;
	p[2] = a[2].data;
	p[3] = x->base->code;
	p[4] = near;
	p[5] = lo_s;
	p[6] = hi_s;
}

/*
 * Whether the gaps around changed ranges can be left as they are, range by
 * range, without mdx.detect_gaps_many().  That function finds the gaps
 * again between the candle before a range and the one after it, widened
 * to the gaps of the table that overlap; it changes nothing when that
 * stretch is a run of aligned candles one interval apart and no gap of
 * the table (other than a filled one) overlaps it.  This is checked here
 * with one statement whose partitions are known when it is planned: the
 * candle before a range is looked for only within GAP_NEAR_MS before it,
 * and a range whose candle before lies further back (or is missing) is
 * left to mdx.detect_gaps_many(), as are ranges whose stretch has a gap.
 * Planning and running detect_gaps_many() costs in proportion to the
 * partitions, that is to the history, and reads every candle of the
 * stretch through a window function; an incremental run usually appends
 * to series without gaps.  Sets ok[k] for the ranges that need nothing.
 * With begin, begins the gap job's transaction in the same round trip.
 */
static void
gaps_unchanged(struct ctx *x, const struct ilist *ri, const struct ilist *rlo,
    const struct ilist *rhi, char *ok, int begin)
{
	struct mdx_buf a[3] = { MDX_BUF_INIT, MDX_BUF_INIT, MDX_BUF_INIT };
	char near[32], lo_s[MDX_TIME_BUFSZ], hi_s[MDX_TIME_BUFSZ];
	char stride[32], org[MDX_TIME_BUFSZ], len[24];
	const char *p[10];
	const struct mdx_interval *iv = x->base;
	struct pstmt st[2] = { { "BEGIN", 0, NULL } };
	PGresult *r, *res[2];
	size_t i;
	int j;

	memset(ok, 0, ri->n);
	/*
	 * Citus refuses the lateral joins of the check: there every range
	 * goes to mdx.detect_gaps_many(), which is exact either way.
	 */
	if (iv->months || x->citus) {
		if (begin)
			qq(x, "BEGIN");
		return;
	}
	gap_range_params(x, ri, rlo, rhi, a, near, lo_s, hi_s, p);
	snprintf(stride, sizeof(stride), "%lld milliseconds",
	    (long long)iv->ms);
	mdx_time_format(mdx_interval_floor(iv, 0), org);
	snprintf(len, sizeof(len), "%lld", (long long)iv->ms);
	p[7] = stride;
	p[8] = org;
	p[9] = len;
	/*
	 * The bounds $6 and $7 are constants for the planner (one-off
	 * statements are planned with their parameters): partitions before
	 * the earliest range less GAP_NEAR_MS are left out.  date_bin()
	 * tells aligned open times apart.
	 */
	st[1].sql = "SELECT r.k FROM unnest($1::bigint[], $2::timestamptz[], "
	    "$3::timestamptz[]) WITH ORDINALITY AS r(i, lo, hi, k) "
	    "LEFT JOIN LATERAL (SELECT c.open_time AS t FROM mdx.candle c "
	    "WHERE c.instrument_id = r.i AND c.interval = $4 AND "
	    "c.open_time < r.lo AND c.open_time >= r.lo - $5::interval AND "
	    "c.open_time >= $6::timestamptz ORDER BY c.open_time DESC "
	    "LIMIT 1) p ON true "
	    "LEFT JOIN LATERAL (SELECT c.open_time AS t FROM mdx.candle c "
	    "WHERE c.instrument_id = r.i AND c.interval = $4 AND "
	    "c.open_time > r.hi AND c.open_time > $7::timestamptz "
	    "ORDER BY c.open_time LIMIT 1) n ON true "
	    "LEFT JOIN LATERAL (SELECT count(*) AS n, max(c.open_time) AS l, "
	    "bool_and(date_bin($8::interval, c.open_time, $9::timestamptz) = "
	    "c.open_time) AS al FROM mdx.candle c WHERE c.instrument_id = r.i "
	    "AND c.interval = $4 AND c.open_time >= p.t AND "
	    "c.open_time <= coalesce(n.t, r.hi) AND "
	    "c.open_time >= $6::timestamptz) y ON true "
	    "WHERE p.t IS NOT NULL AND y.al AND "
	    "(extract(epoch FROM y.l - p.t) * 1000)::int8 = "
	    "(y.n - 1) * $10::int8 AND NOT EXISTS (SELECT 1 FROM mdx.gap g "
	    "WHERE g.instrument_id = r.i AND g.interval = $4 AND "
	    "g.status <> 'filled' AND g.from_time <= coalesce(n.t, r.hi) AND "
	    "g.to_time > p.t)";
	st[1].n = 10;
	st[1].p = p;
	res[0] = res[1] = NULL;
	if (begin) {
		qpipe(x, st, 2, res);
		PQclear(res[0]);
	} else
		qpipe(x, st + 1, 1, res + 1);
	r = res[1];
	for (j = 0; j < PQntuples(r); j++) {
		i = strtoull(PQgetvalue(r, j, 0), NULL, 10);
		if (i >= 1 && i <= ri->n)
			ok[i - 1] = 1;
	}
	PQclear(r);
	mdx_buf_free(&a[0]);
	mdx_buf_free(&a[1]);
	mdx_buf_free(&a[2]);
}

/*
 * Whether open time t lies on the grid of interval iv (of fixed length),
 * as date_bin() in gaps_unchanged() tells.
 */
static int
on_grid(const struct mdx_interval *iv, mdx_time t)
{
	return (t - mdx_interval_floor(iv, 0)) % iv->ms == 0;
}

/*
 * What gaps_unchanged() finds, for ranges whose candles the first rollup
 * from the base read (x->gj, gaps_seen()): only the candle before each
 * range, the one after it and the gaps of the table are read here, and
 * the stretch between them is judged from what the rollup counted.  The
 * candle before a range is the last one before it, and the one after the
 * first one after it, so the stretch holds them and the candles of the
 * range, no others.
 *
 * The statement goes to the reader connection as soon as the reader has
 * sent its share of the first rollup's source rows (stream_end()), and
 * runs while the main connection writes the rollups; gaps_probe() reads
 * its answer (and sends the statement itself if no read freed the reader
 * before).  The probe and the rollup read in later
 * snapshots than the gap job's change log position, as detect_gaps_many()
 * would: changes after that position are searched again by the next run.
 */
static void
gaps_probe_send(struct ctx *x)
{
	struct mdx_buf a[3] = { MDX_BUF_INIT, MDX_BUF_INIT, MDX_BUF_INIT };
	char near[32], lo_s[MDX_TIME_BUFSZ], hi_s[MDX_TIME_BUFSZ];
	const char *p[7];

	gap_range_params(x, &x->gj.ri, &x->gj.rlo, &x->gj.rhi, a, near, lo_s,
	    hi_s, p);
	/* The bounds $6 and $7 as in gaps_unchanged(). */
	if (PQsendQueryParams(x->c2, "SELECT r.k - 1, "
	    "(extract(epoch FROM p.t) * 1000)::int8, "
	    "(extract(epoch FROM n.t) * 1000)::int8 "
	    "FROM unnest($1::bigint[], $2::timestamptz[], "
	    "$3::timestamptz[]) WITH ORDINALITY AS r(i, lo, hi, k) "
	    "CROSS JOIN LATERAL (SELECT c.open_time AS t FROM mdx.candle c "
	    "WHERE c.instrument_id = r.i AND c.interval = $4 AND "
	    "c.open_time < r.lo AND c.open_time >= r.lo - $5::interval AND "
	    "c.open_time >= $6::timestamptz ORDER BY c.open_time DESC "
	    "LIMIT 1) p "
	    "LEFT JOIN LATERAL (SELECT c.open_time AS t FROM mdx.candle c "
	    "WHERE c.instrument_id = r.i AND c.interval = $4 AND "
	    "c.open_time > r.hi AND c.open_time > $7::timestamptz "
	    "ORDER BY c.open_time LIMIT 1) n ON true "
	    "WHERE NOT EXISTS (SELECT 1 FROM mdx.gap g "
	    "WHERE g.instrument_id = r.i AND g.interval = $4 AND "
	    "g.status <> 'filled' AND g.from_time <= coalesce(n.t, r.hi) AND "
	    "g.to_time > p.t)", 7, NULL, p, NULL, NULL, 0) != 1)
		mdx_die(mdx_db_error_status(x->c2, NULL), "warehouse error: %s",
		    PQerrorMessage(x->c2));
	x->c2_busy = 1;
	x->gj.probe_sent = 1;
	mdx_buf_free(&a[0]);
	mdx_buf_free(&a[1]);
	mdx_buf_free(&a[2]);
}

/*
 * Collects the answer to the statement under way on the reader connection
 * (the probe of gaps_probe_send(), kept in x->gj, or the gap job's
 * watermarks), so that the connection can take the next one.
 */
static void
c2_drain(struct ctx *x)
{
	PGresult *r;

	if (!x->c2_busy)
		return;
	x->c2_busy = 0;
	while ((r = PQgetResult(x->c2)) != NULL) {
		if (PQresultStatus(r) != PGRES_TUPLES_OK &&
		    PQresultStatus(r) != PGRES_COMMAND_OK)
			mdx_die(mdx_db_error_status(x->c2, r),
			    "warehouse error: %s", PQresultErrorMessage(r));
		if (PQresultStatus(r) == PGRES_TUPLES_OK &&
		    x->gj.probe_sent && x->gj.probe == NULL)
			x->gj.probe = r;
		else
			PQclear(r);
	}
}

/*
 * Sets ok[k] for the changed ranges the first rollup from the base read
 * whole (covered) that need nothing, from the answer to gaps_probe_send().
 */
static void
gaps_probe(struct ctx *x, char *ok)
{
	const struct mdx_interval *iv = x->base;
	mdx_time pt, nt, last;
	PGresult *r;
	int64_t n;
	size_t k;
	int j;

	if (!x->gj.probe_sent) {
		c2_drain(x);
		gaps_probe_send(x);
	}
	c2_drain(x);
	r = x->gj.probe;
	for (j = 0; r != NULL && j < PQntuples(r); j++) {
		k = strtoull(PQgetvalue(r, j, 0), NULL, 10);
		if (k >= x->gj.ri.n || !x->gj.covered[k])
			continue;
		pt = strtoll(PQgetvalue(r, j, 1), NULL, 10);
		nt = PQgetisnull(r, j, 2) ? 0 : strtoll(PQgetvalue(r, j, 2),
		    NULL, 10);
		if (x->gj.offgrid[k] || !on_grid(iv, pt) ||
		    (!PQgetisnull(r, j, 2) && !on_grid(iv, nt)))
			continue;
		/* The candles of the stretch, and its newest. */
		n = 1 + x->gj.n[k] + !PQgetisnull(r, j, 2);
		last = !PQgetisnull(r, j, 2) ? nt :
		    x->gj.n[k] > 0 ? x->gj.last[k] : pt;
		if (last - pt == (n - 1) * iv->ms)
			ok[k] = 1;
	}
}

/*
 * Counts a candle the first rollup from the base read (see x->gj) in the
 * changed range of the gap job that holds it, if any.
 */
static void
gaps_seen(struct ctx *x, int64_t inst, mdx_time t)
{
	size_t lo = 0, hi = x->gj.ri.n, mid;

	/* The first range after (inst, t); the one before may hold t. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (x->gj.ri.v[mid] > inst || (x->gj.ri.v[mid] == inst &&
		    x->gj.rlo.v[mid] > t))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == 0 || x->gj.ri.v[lo - 1] != inst || t > x->gj.rhi.v[lo - 1])
		return;
	lo--;
	if (x->gj.n[lo] == 0 || t > x->gj.last[lo])
		x->gj.last[lo] = t;
	x->gj.n[lo]++;
	if (!on_grid(x->base, t))
		x->gj.offgrid[lo] = 1;
}

/*
 * Marks the changed ranges of the gap job whose candles the first rollup
 * from the base (interval t) reads whole: those whose every bucket of t is
 * among the rollup's changed buckets bk (sorted).
 */
static void
gaps_cover(struct ctx *x, const struct mdx_interval *t,
    const struct ibucket *bk, size_t nbk)
{
	struct ibucket key;
	size_t i;
	int all;

	for (i = 0; i < x->gj.ri.n; i++) {
		key.inst = x->gj.ri.v[i];
		all = 1;
		for (key.b = mdx_interval_floor(t, x->gj.rlo.v[i]);
		    all && key.b <= x->gj.rhi.v[i];
		    key.b = mdx_interval_next(t, key.b))
			all = nbk > 0 && bsearch(&key, bk, nbk, sizeof(*bk),
			    cmp_ibucket) != NULL;
		x->gj.covered[i] = all;
	}
}

/*
 * Brings the gap table of the base interval up to date: fresh instruments
 * over their whole series, the others around their changed ranges (ranges
 * closer than GAP_MERGE_MS merged), all in one statement, but for the
 * ranges gaps_unchanged() or gaps_probe() find nothing to do about.  The
 * log and the fresh instruments are read here; the rest is gaps_finish(),
 * called here or, when first_rollup is given, the warehouse is not on
 * Citus and ranges changed, after the first rollup from the base, which
 * then counts the candles of the ranges as it reads them.
 */
static void
gaps_job(struct ctx *x, const struct mdx_interval *first_rollup)
{
	struct ilist later = { 0 };
	const char *code = x->base->code;
	const char *jp[4] = { code, "gaps", code, code };
	const char *lp[4] = { first_rollup != NULL ? first_rollup->code :
	    code, "rollup", code, code };
	struct pstmt st[5];
	PGresult *r, *res[5];
	int64_t inst, lo, hi;
	size_t i, n, ns, ks = 0, kp = 0;
	int j;

	memset(&x->gj, 0, sizeof(x->gj));
	/*
	 * The instruments without a watermark of the job and of the first
	 * rollup from the base, and the changes, in one round trip; with
	 * them, once per run, whether funding or open interest changed (see
	 * series_gaps) and the partitions of mdx.candle.
	 */
	memset(st, 0, sizeof(st));
	memset(res, 0, sizeof(res));
	st[0].sql = FRESH_SQL;
	st[1].sql = changes_sql(x);
	st[2].sql = FRESH_SQL;
	st[0].n = st[1].n = st[2].n = 4;
	st[0].p = st[1].p = jp;
	st[2].p = lp;
	ns = first_rollup != NULL ? 3 : 2;
	if (!x->citus && x->series_marked < 0) {
		ks = ns;
		st[ns].n = 0;
		st[ns].p = NULL;
		st[ns++].sql = "SELECT EXISTS (SELECT 1 FROM mdx.series_change)";
	}
	if (!x->plist) {
		kp = ns;
		st[ns].n = 0;
		st[ns].p = NULL;
		st[ns++].sql = PARTITIONS_SQL;
	}
	qpipe(x, st, ns, res);
	if (ks > 0) {
		x->series_marked = PQgetvalue(res[ks], 0, 0)[0] == 't';
		PQclear(res[ks]);
	}
	if (kp > 0)
		partitions_known(x, res[kp]);
	fresh_rest(x, res[0], code, &x->gj.fresh);
	if (first_rollup != NULL) {
		/* Left to the first rollup from the base (see ctx.defer). */
		fresh_rest(x, res[2], code, &later);
		for (i = n = 0; i < x->gj.fresh.n; i++) {
			if (ilist_has(&later, x->gj.fresh.v[i]))
				ilist_add(&x->defer, x->gj.fresh.v[i]);
			else
				x->gj.fresh.v[n++] = x->gj.fresh.v[i];
		}
		x->gj.fresh.n = n;
	}
	free(later.v);
	heads(x, &x->gj.fresh, &x->gj.hd);
	r = res[1];
	changes_seqs(r, &x->gj.seqs);
	for (j = 0; j < PQntuples(r); j++) {
		inst = strtoll(PQgetvalue(r, j, 0), NULL, 10);
		lo = strtoll(PQgetvalue(r, j, 1), NULL, 10);
		hi = strtoll(PQgetvalue(r, j, 2), NULL, 10);
		if (x->gj.ri.n > 0 && x->gj.ri.v[x->gj.ri.n - 1] == inst &&
		    lo <= x->gj.rhi.v[x->gj.rhi.n - 1] + GAP_MERGE_MS) {
			if (hi > x->gj.rhi.v[x->gj.rhi.n - 1])
				x->gj.rhi.v[x->gj.rhi.n - 1] = hi;
			continue;
		}
		if (x->gj.ri.n == 0 || x->gj.ri.v[x->gj.ri.n - 1] != inst)
			ilist_add(&x->gj.done, inst);
		ilist_add(&x->gj.ri, inst);
		ilist_add(&x->gj.rlo, lo);
		ilist_add(&x->gj.rhi, hi);
	}
	PQclear(r);
	n = x->gj.ri.n;
	if (n > 0) {
		x->gj.covered = mdx_calloc(n, 1);
		x->gj.offgrid = mdx_calloc(n, 1);
		x->gj.n = mdx_calloc(n, sizeof(int64_t));
		x->gj.last = mdx_calloc(n, sizeof(int64_t));
	}
	if (n > 0 && first_rollup != NULL && !x->citus && !x->base->months) {
		x->gj.pending = 1;
		x->gj.probe_wanted = 1;
	} else
		gaps_finish(x);
}

/* The rest of the gap job begun by gaps_job(), in one transaction. */
static void
gaps_finish(struct ctx *x)
{
	struct ilist si = { 0 }, slo = { 0 }, shi = { 0 }, ui = { 0 },
	    ulo = { 0 }, uhi = { 0 };
	struct mdx_buf a1 = MDX_BUF_INIT, a2 = MDX_BUF_INIT,
	    a3 = MDX_BUF_INIT;
	const char *code = x->base->code;
	const char *p[5];
	PGresult *r;
	char *ok = NULL, *uok = NULL;
	size_t i, k, ncov = 0;
	int began = 0;

	x->gj.pending = 0;
	c2_drain(x);
	if (x->gj.ri.n == 0 && x->gj.fresh.n == 0)
		goto out;
	if (x->gj.ri.n > 0) {
		ok = mdx_calloc(x->gj.ri.n, 1);
		for (i = 0; i < x->gj.ri.n; i++) {
			if (x->gj.covered[i]) {
				ncov++;
				continue;
			}
			ilist_add(&ui, x->gj.ri.v[i]);
			ilist_add(&ulo, x->gj.rlo.v[i]);
			ilist_add(&uhi, x->gj.rhi.v[i]);
		}
		if (ncov > 0)
			gaps_probe(x, ok);
		if (ui.n > 0) {
			uok = mdx_malloc(ui.n);
			gaps_unchanged(x, &ui, &ulo, &uhi, uok, 1);
			began = 1;
			for (i = k = 0; i < x->gj.ri.n; i++)
				if (!x->gj.covered[i])
					ok[i] = uok[k++];
		}
	}
	for (i = 0; i < x->gj.ri.n; i++) {
		if (ok[i])
			continue;
		ilist_add(&si, x->gj.ri.v[i]);
		ilist_add(&slo, x->gj.rlo.v[i]);
		ilist_add(&shi, x->gj.rhi.v[i]);
	}
	for (i = 0; i < x->gj.fresh.n; i++) {
		ilist_add(&x->gj.done, x->gj.fresh.v[i]);
		ilist_add(&si, x->gj.fresh.v[i]);
	}
	if (si.n > 0) {
		if (!began)
			qq(x, "BEGIN");
		began = 1;
		ilist_array(&si, &a1);
		for (i = 0; i < si.n; i++) {
			add_time_elem(&a2, i < slo.n ? slo.v[i] : 0,
			    i < slo.n ? NULL : "-infinity");
			add_time_elem(&a3, i < shi.n ? shi.v[i] : 0,
			    i < shi.n ? NULL : "infinity");
		}
		mdx_buf_addch(&a2, '}');
		mdx_buf_addch(&a3, '}');
		p[0] = code;
		p[1] = a1.data;
		p[2] = a2.data;
		p[3] = a3.data;
		p[4] = x->run;
		r = qp(x, "SELECT mdx.detect_gaps_many($1, $2::bigint[], "
		    "$3::timestamptz[], $4::timestamptz[], $5::bigint)", 5, p);
		x->gaps_found += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	/*
	 * Alone, the watermarks need no transaction of their own: they go
	 * to the reader connection, beside the next job.
	 */
	set_watermarks(x, code, "gaps", code, &x->gj.seqs, &x->gj.hd,
	    &x->gj.done, began ? 1 : WM_READER);
	mdx_debug("gaps: %zu changed ranges (%zu counted by the rollup), "
	    "%zu of them and %zu instruments from scratch searched again",
	    x->gj.ri.n, ncov, si.n - x->gj.fresh.n, x->gj.fresh.n);
out:
	seqmap_free(&x->gj.seqs);
	seqmap_free(&x->gj.hd);
	free(x->gj.fresh.v);
	free(x->gj.done.v);
	free(x->gj.ri.v);
	free(x->gj.rlo.v);
	free(x->gj.rhi.v);
	free(x->gj.covered);
	free(x->gj.offgrid);
	free(x->gj.n);
	free(x->gj.last);
	PQclear(x->gj.probe);
	memset(&x->gj, 0, sizeof(x->gj));
	free(ok);
	free(uok);
	free(si.v);
	free(slo.v);
	free(shi.v);
	free(ui.v);
	free(ulo.v);
	free(uhi.v);
	mdx_buf_free(&a1);
	mdx_buf_free(&a2);
	mdx_buf_free(&a3);
}

static void
time_params(const struct mdx_agg_db *o, char *a, char *b)
{
	if (o->since == INT64_MIN)
		strcpy(a, "-infinity");
	else
		mdx_time_format(o->since, a);
	if (o->until == INT64_MAX)
		strcpy(b, "infinity");
	else
		mdx_time_format(o->until, b);
}

/*
 * The markets mdx-extract fetches from (mdx_market_list) as an SQL text
 * array of "exchange market" pairs, into b.
 */
static void
fetched_markets(struct mdx_buf *b)
{
	const struct mdx_market_info *m;

	mdx_buf_reset(b);
	mdx_buf_addch(b, '{');
	for (m = mdx_market_list; m->exchange != NULL; m++)
		mdx_buf_printf(b, "%s\"%s %s\"", m == mdx_market_list ? "" :
		    ",", m->exchange, m->market);
	mdx_buf_addch(b, '}');
}

/*
 * Prints the open gaps overlapping [since, until) as gap records.  With
 * --mark, only the gaps of the markets mdx-extract fetches from are
 * printed and marked refetched: those are what the repair pipeline asks
 * the exchanges for, and a gap of imported data (an exchange or market mdx
 * does not fetch from) stays open, for nothing could refetch it.
 */
static void
print_gaps(struct ctx *x)
{
	struct mdx_writer *w = mdx_stdout();
	struct mdx_buf b = MDX_BUF_INIT, fm = MDX_BUF_INIT;
	struct mdx_candle s;
	char since[MDX_TIME_BUFSZ], until[MDX_TIME_BUFSZ];
	const char *p[5];
	PGresult *r;
	int i, k;

	time_params(x->o, since, until);
	fetched_markets(&fm);
	p[0] = x->base->code;
	p[1] = since;
	p[2] = until;
	p[3] = x->run;
	p[4] = fm.data;
	qq(x, "BEGIN");
	r = qp(x, x->o->mark ?
	    "WITH g AS (UPDATE mdx.gap SET status = 'refetched', "
	    "refetched_at = now(), run_id = $4::bigint, updated_at = now() "
	    "WHERE status = 'open' AND interval = $1 AND to_time > $2 AND "
	    "from_time < $3 AND instrument_id IN (SELECT instrument_id "
	    "FROM mdx.instrument WHERE exchange || ' ' || market = "
	    "ANY($5::text[])) RETURNING *) "
	    "SELECT i.exchange, i.market, i.symbol, "
	    "(extract(epoch FROM g.from_time) * 1000)::int8, "
	    "(extract(epoch FROM g.to_time) * 1000)::int8, g.missing, "
	    "i.price FROM g JOIN mdx.instrument i USING (instrument_id) "
	    "ORDER BY 1, 2, 3, 7, 4" :
	    "SELECT i.exchange, i.market, i.symbol, "
	    "(extract(epoch FROM g.from_time) * 1000)::int8, "
	    "(extract(epoch FROM g.to_time) * 1000)::int8, g.missing, "
	    "i.price FROM mdx.gap g JOIN mdx.instrument i USING "
	    "(instrument_id) "
	    "WHERE g.status = 'open' AND g.interval = $1 AND g.to_time > $2 "
	    "AND g.from_time < $3 AND $4::bigint IS NOT NULL "
	    "AND $5::text[] IS NOT NULL "
	    "ORDER BY 1, 2, 3, 7, 4", 5, p);
	memset(&s, 0, sizeof(s));
	s.interval = x->base;
	for (i = 0; i < PQntuples(r); i++) {
		snprintf(s.exchange, sizeof(s.exchange), "%s",
		    PQgetvalue(r, i, 0));
		snprintf(s.market, sizeof(s.market), "%s", PQgetvalue(r, i, 1));
		snprintf(s.symbol, sizeof(s.symbol), "%s", PQgetvalue(r, i, 2));
		k = mdx_price_parse(PQgetvalue(r, i, 6),
		    strlen(PQgetvalue(r, i, 6)));
		s.price = k > 0 ? (enum mdx_price)k : MDX_PRICE_TRADE;
		mdx_buf_reset(&b);
		mdx_rollup_format_gap(&b, &s,
		    strtoll(PQgetvalue(r, i, 3), NULL, 10),
		    strtoll(PQgetvalue(r, i, 4), NULL, 10),
		    strtoll(PQgetvalue(r, i, 5), NULL, 10));
		mdx_write_line(w, b.data, b.len);
	}
	mdx_writer_flush(w);
	mdx_warn("%d open gaps%s", PQntuples(r),
	    x->o->mark ? " printed and marked refetched" : "");
	PQclear(r);
	r = qp(x, x->o->mark ?
	    "WITH g AS (UPDATE mdx.series_gap SET status = 'refetched', "
	    "refetched_at = now(), run_id = $4::bigint, updated_at = now() "
	    "WHERE status = 'open' AND to_time > $2 AND from_time < $3 "
	    "AND $1::text IS NOT NULL RETURNING *) "
	    "SELECT i.exchange, i.market, i.symbol, g.series, g.interval, "
	    "(extract(epoch FROM g.from_time) * 1000)::int8, "
	    "(extract(epoch FROM g.to_time) * 1000)::int8, g.missing "
	    "FROM g JOIN mdx.instrument i USING (instrument_id) "
	    "ORDER BY 1, 2, 3, 4, 5, 6" :
	    "SELECT i.exchange, i.market, i.symbol, g.series, g.interval, "
	    "(extract(epoch FROM g.from_time) * 1000)::int8, "
	    "(extract(epoch FROM g.to_time) * 1000)::int8, g.missing "
	    "FROM mdx.series_gap g JOIN mdx.instrument i USING "
	    "(instrument_id) WHERE g.status = 'open' AND g.to_time > $2 "
	    "AND g.from_time < $3 AND $1::text IS NOT NULL "
	    "AND $4::bigint IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6", 4, p);
	for (i = 0; i < PQntuples(r); i++) {
		mdx_buf_reset(&b);
		mdx_rollup_format_series_gap(&b, PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
		    strtoll(PQgetvalue(r, i, 5), NULL, 10),
		    strtoll(PQgetvalue(r, i, 6), NULL, 10),
		    strtoll(PQgetvalue(r, i, 7), NULL, 10));
		mdx_write_line(w, b.data, b.len);
	}
	mdx_writer_flush(w);
	if (PQntuples(r) > 0)
		mdx_warn("%d open funding and open-interest gaps%s",
		    PQntuples(r), x->o->mark ? " printed and marked refetched" :
		    "");
	PQclear(r);
	qq(x, "COMMIT");
	mdx_buf_free(&b);
	mdx_buf_free(&fm);
}

/*
 * The gaps of funding and open interest: mdx.detect_series_gaps() brings
 * mdx.series_gap in line with the data, in its own transaction, when the
 * data may have changed since it last did, that is when mdx.series_change
 * holds a mark (sql/068_series_change.sql).  The marks this transaction
 * sees are deleted before the search, whose later snapshot sees their
 * changes.  On Citus, which runs no trigger, the search runs every time.
 */
static void
series_gaps(struct ctx *x)
{
	const char *p[1] = { x->run };
	PGresult *r;
	int marked;

	if (!x->citus) {
		marked = x->series_marked;
		if (marked < 0) {
			r = q(x, "SELECT EXISTS (SELECT 1 FROM "
			    "mdx.series_change)");
			marked = PQgetvalue(r, 0, 0)[0] == 't';
			PQclear(r);
		}
		if (!marked) {
			/* Only the summary of -v needs the count. */
			if (mdx_verbose >= 1) {
				r = q(x, "SELECT count(*) FROM mdx.series_gap");
				x->series_gaps = strtoull(PQgetvalue(r, 0, 0),
				    NULL, 10);
				PQclear(r);
			}
			return;
		}
	}
	qq(x, x->citus ? "BEGIN" :
	    "BEGIN; DELETE FROM mdx.series_change");
	r = qp(x, "SELECT mdx.detect_series_gaps($1::bigint)", 1, p);
	x->series_gaps = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	qq(x, "COMMIT");
}

/* Refetched gaps that are still missing after a refetch are confirmed. */
static void
confirm_gaps(struct ctx *x)
{
	char since[MDX_TIME_BUFSZ], until[MDX_TIME_BUFSZ];
	const char *p[4];
	PGresult *r;

	time_params(x->o, since, until);
	p[0] = x->base->code;
	p[1] = since;
	p[2] = until;
	p[3] = x->run;
	r = qp(x, "UPDATE mdx.gap SET status = 'confirmed_empty', "
	    "confirmed_at = now(), run_id = $4::bigint, updated_at = now() "
	    "WHERE status = 'refetched' AND interval = $1 AND to_time > $2 "
	    "AND from_time < $3", 4, p);
	x->confirmed += strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	r = qp(x, "UPDATE mdx.series_gap SET status = 'confirmed_empty', "
	    "confirmed_at = now(), run_id = $4::bigint, updated_at = now() "
	    "WHERE status = 'refetched' AND to_time > $2 AND from_time < $3 "
	    "AND $1::text IS NOT NULL", 4, p);
	x->confirmed += strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
}

/*
 * Synthetic candles for the confirmed-empty gaps: open, high, low and
 * close the close of the candle before the gap, zero volumes where the
 * series has volumes, origin 'filled'.  A candle that arrived meanwhile is
 * left alone.
 */
static void
fill_gaps(struct ctx *x)
{
	const char *p[3];
	PGresult *r, *insts = NULL;
	int i, n = 1;

	p[0] = x->base->code;
	p[1] = x->run;
	qq(x, "BEGIN");
	PQclear(qp(x, "SELECT mdx.ensure_candle_partitions(min(from_time), "
	    "max(to_time)) FROM mdx.gap WHERE status = 'confirmed_empty' "
	    "AND interval = $1", 1, p));
	/*
	 * On Citus the statement runs once per instrument, with the
	 * instrument as a constant, on the one shard that holds it: Citus
	 * locks rows (FOR UPDATE) and runs lateral joins only there.
	 */
	if (x->citus) {
		insts = qp(x, "SELECT DISTINCT instrument_id FROM mdx.gap "
		    "WHERE status = 'confirmed_empty' AND interval = $1 "
		    "ORDER BY 1", 1, p);
		n = PQntuples(insts);
	}
	for (i = 0; i < n; i++) {
		if (insts != NULL)
			p[2] = PQgetvalue(insts, i, 0);
		r = qp(x, sqlf(x, "WITH g AS (SELECT * FROM mdx.gap WHERE "
		    "status = 'confirmed_empty' AND interval = $1%s "
		    "FOR UPDATE), "
		    "ins AS (INSERT INTO mdx.candle (instrument_id, interval, "
		    "open_time, open, high, low, close, volume, quote_volume, "
		    "trades, taker_buy_volume, taker_buy_quote_volume, closed, "
		    "origin, run_id) "
		    "SELECT g.instrument_id, g.interval, t, p.close, p.close, "
		    "p.close, p.close, CASE WHEN p.volume IS NOT NULL THEN 0 END, "
		    "CASE WHEN p.quote_volume IS NOT NULL THEN 0 END, "
		    "CASE WHEN p.trades IS NOT NULL THEN 0 END, "
		    "CASE WHEN p.taker_buy_volume IS NOT NULL THEN 0 END, "
		    "CASE WHEN p.taker_buy_quote_volume IS NOT NULL THEN 0 END, "
		    "true, 'filled', $2::bigint FROM g "
		    "CROSS JOIN LATERAL (SELECT * FROM mdx.candle c WHERE "
		    "c.instrument_id = g.instrument_id%s AND "
		    "c.interval = g.interval AND c.open_time < g.from_time "
		    "ORDER BY c.open_time DESC LIMIT 1) p "
		    "CROSS JOIN generate_series(g.from_time, g.to_time - "
		    "mdx.interval_length(g.interval), "
		    "mdx.interval_length(g.interval)) "
		    "AS t ON CONFLICT DO NOTHING RETURNING instrument_id, "
		    "interval, open_time), "
		    "upd AS (UPDATE mdx.gap x SET status = 'filled', "
		    "filled_at = now(), run_id = $2::bigint, updated_at = now() "
		    "FROM g WHERE x.instrument_id = g.instrument_id%s AND "
		    "x.gap_id = g.gap_id RETURNING 1), " MDX_DB_LOG_CTE("ins")
		    " SELECT (SELECT count(*) FROM upd), (SELECT count(*) "
		    "FROM ins), (SELECT count(*) FROM lg)",
		    insts ? " AND instrument_id = $3::bigint" : "",
		    insts ? " AND c.instrument_id = $3::bigint" : "",
		    insts ? " AND x.instrument_id = $3::bigint" : ""),
		    insts ? 3 : 2, p);
		x->filled_gaps += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		x->filled_candles += strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		PQclear(r);
	}
	PQclear(insts);
	qq(x, "COMMIT");
}

/*
 * Deletes the change log entries every consumer has read: an entry is
 * kept while a watermark of its instrument reading its interval is
 * behind it.  Without any such watermark nobody needs it (a new job
 * starts from scratch).  The log holds what changed since the last run,
 * so the statement reads little; it joins on the instrument, which Citus
 * runs on the shards.
 */
#define PRUNE_SQL "DELETE FROM mdx.candle_change c WHERE NOT EXISTS " \
    "(SELECT 1 FROM mdx.rollup_watermark w WHERE " \
    "w.instrument_id = c.instrument_id AND " \
    "w.source_interval = c.interval AND w.change_seq < c.seq)"

/* ------------------------------------------------------------------------
 * Runs.
 */
static void
begin_run(struct ctx *x, int argc, char **argv)
{
	struct mdx_buf args = MDX_BUF_INIT;
	const char *p[3];
	PGresult *r;
	int i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			mdx_buf_addch(&args, ' ');
		mdx_buf_addstr(&args, argv[i]);
	}
	p[0] = args.data != NULL ? args.data : "";
	p[1] = MDX_VERSION;
	r = qp(x, "INSERT INTO mdx.run (program, args, version) VALUES "
	    "('mdx-aggregate', $1, $2) RETURNING run_id", 2, p);
	snprintf(x->run, sizeof(x->run), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	mdx_buf_free(&args);
}

/*
 * Prunes the change log (PRUNE_SQL) and records the end of the run, in
 * one round trip.  The two statements share a transaction, whose start
 * is before the pruning: the end is the clock when the run's row is
 * written.
 */
static void
end_run(struct ctx *x, int status)
{
	struct pstmt ps[2] = { { PRUNE_SQL, 0, NULL } };
	char counts[512];
	const char *p[4];
	char st[8];

	snprintf(counts, sizeof(counts), "{\"read\":%llu,\"written\":%llu,"
	    "\"deleted\":%llu,\"held\":%llu,\"buckets\":%llu,"
	    "\"fresh\":%llu,\"gaps\":%llu,\"confirmed\":%llu,"
	    "\"filled_gaps\":%llu,\"filled\":%llu}",
	    (unsigned long long)x->read, (unsigned long long)x->written,
	    (unsigned long long)x->deleted, (unsigned long long)x->held,
	    (unsigned long long)x->buckets, (unsigned long long)x->fresh,
	    (unsigned long long)x->gaps_found,
	    (unsigned long long)x->confirmed,
	    (unsigned long long)x->filled_gaps,
	    (unsigned long long)x->filled_candles);
	/* The pruning must see every watermark the run moved. */
	c2_drain(x);
	if (x->bad_buckets > 0 && status == 0)
		status = MDX_EX_DATAERR;
	snprintf(st, sizeof(st), "%d", status);
	p[0] = x->run;
	p[1] = status == 0 ? "ok" : "failed";
	p[2] = st;
	p[3] = counts;
	ps[1].sql = "UPDATE mdx.run SET finished_at = clock_timestamp(), "
	    "status = $2, exit_status = $3::int, counts = $4::jsonb "
	    "WHERE run_id = $1::bigint";
	ps[1].n = 4;
	ps[1].p = p;
	if (!x->citus) {
		qpipe(x, ps, 2, NULL);
		return;
	}
	/*
	 * Citus takes no volatile function in an update of a reference
	 * table such as mdx.run: there the row is written in a transaction
	 * of its own, which starts when the pruning is done.
	 */
	qpipe(x, ps, 1, NULL);
	qqp(x, "UPDATE mdx.run SET finished_at = now(), status = $2, "
	    "exit_status = $3::int, counts = $4::jsonb "
	    "WHERE run_id = $1::bigint", 4, p);
}

static void
connect_ctx(struct ctx *x, const struct mdx_agg_db *o)
{
	PGresult *r;

	memset(x, 0, sizeof(*x));
	x->o = o;
	x->base = o->base != NULL ? o->base : mdx_interval_lookup("1m");
	x->series_marked = -1;
	x->c = mdx_db_connect();
	x->c2 = mdx_db_connect_start();
	mdx_db_check_schema(x->c);
	/*
	 * Compiling a plan costs more than half a second, more than any
	 * statement of an incremental run takes, and the big reads are
	 * spent converting rows to text, which JIT does not speed up.
	 *
	 * The statistics of mdx.candle lag behind the loads: the partition
	 * that takes the newest candles often still counts as empty when a
	 * run follows a load, and the planner then scans it whole once per
	 * changed bucket (half a second for an hour of 100 instruments).
	 * Every statement here finds its candles through the primary key,
	 * and a plain index scan reads the few rows of a bucket faster
	 * than a bitmap scan.
	 *
	 * The settings and the run lock go in one round trip.
	 */
	r = q(x, "SET mdx.log = 'self'; SET jit = off; SET enable_seqscan = off; "
	    "SET enable_bitmapscan = off; "
	    "SELECT pg_try_advisory_lock(" AGG_LOCK_KEY "), "
	    "to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL");
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
		mdx_die(MDX_EX_TEMPFAIL, "another mdx-aggregate --db is "
		    "running on this warehouse");
	x->citus = PQgetvalue(r, 0, 1)[0] == 't';
	PQclear(r);
	if (x->citus) {
		r = q(x, "SELECT EXISTS (SELECT 1 FROM pg_dist_partition "
		    "WHERE logicalrelid = 'mdx.candle'::regclass)");
		x->citus = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
	}
	mdx_db_connect_finish(x->c2);
	qq2(x, "SET jit = off; " INDEX_ORDER_SET);
}

/*
 * Releases the run lock, closes the connections and frees the context.
 * The lock is released by a statement, not left to the disconnect: the
 * server frees a session's locks only after its backend has dropped the
 * run's temporary tables, after this process has exited, and a run
 * started at once (repair runs --confirm, --fill and the rollup back to
 * back) would find it taken.
 */
static void
disconnect_ctx(struct ctx *x)
{
	qq(x, "SELECT pg_advisory_unlock(" AGG_LOCK_KEY ")");
	mdx_db_close(x->c2);
	mdx_db_close(x->c);
	mdx_buf_free(&x->sql);
	mdx_buf_free(&x->copy);
	mdx_buf_free(&x->gapcopy);
	free(x->thr_inst.v);
	free(x->thr_ms.v);
	free(x->pmonth.v);
	free(x->pdirect.v);
	free(x->defer.v);
}

int
mdx_agg_db_run(const struct mdx_agg_db *o)
{
	static char *noargs[] = { NULL };
	const struct mdx_interval *to[MDX_ROLLUP_MAXTO], *src;
	struct ctx x;
	char why[64];
	int nto, i, j, st;

	if (o->nto > 0) {
		memcpy(to, o->to, sizeof(to));
		nto = o->nto;
	} else
		nto = mdx_rollup_parse_intervals("1h,1d", to, why,
		    sizeof(why));
	connect_ctx(&x, o);
	for (i = 0; i < nto; i++)
		if (!mdx_interval_divides(x.base, to[i]) || to[i] == x.base)
			mdx_die(MDX_EX_USAGE, "--to %s: not a multiple of the "
			    "base interval %s", to[i]->code, x.base->code);
	begin_run(&x, o->argc, o->argc > 0 ? o->argv : noargs);
	if (o->rebuild) {
		qq(&x, "DELETE FROM mdx.rollup_watermark");
		qq(&x, "DELETE FROM mdx.candle_change");
	}
	gaps_job(&x, o->gaps || o->confirm || o->fill ? NULL : to[0]);
	series_gaps(&x);
	if (o->gaps) {
		print_gaps(&x);
		end_run(&x, 0);
		disconnect_ctx(&x);
		return MDX_EX_OK;
	}
	if (o->confirm)
		confirm_gaps(&x);
	if (o->fill) {
		fill_gaps(&x);
		gaps_job(&x, NULL);
	}
	for (i = 0; i < nto; i++) {
		/* The finest finer interval of the run that divides it. */
		src = x.base;
		for (j = 0; j < i; j++)
			if (mdx_interval_divides(to[j], to[i]))
				src = to[j];
		rollup_job(&x, to[i], src);
		if (x.gj.pending)
			gaps_finish(&x);
	}
	if (mdx_verbose >= 1)
		mdx_warn("%llu candles read, %llu rollups written, %llu "
		    "deleted, %llu held by exchange candles; %llu gaps in "
		    "changed ranges, %llu confirmed empty, %llu filled "
		    "(%llu candles)", (unsigned long long)x.read,
		    (unsigned long long)x.written,
		    (unsigned long long)x.deleted,
		    (unsigned long long)x.held,
		    (unsigned long long)x.gaps_found,
		    (unsigned long long)x.confirmed,
		    (unsigned long long)x.filled_gaps,
		    (unsigned long long)x.filled_candles);
	if (mdx_verbose >= 1 && x.series_gaps > 0)
		mdx_warn("%llu funding and open-interest gaps",
		    (unsigned long long)x.series_gaps);
	end_run(&x, 0);
	st = x.bad_buckets > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
	disconnect_ctx(&x);
	return st;
}

/* ------------------------------------------------------------------------
 * Reconciling.
 */
static const char *const rec_field[] = {
	"open", "high", "low", "close", "volume", "quote_volume", "trades",
	"taker_buy_volume", "taker_buy_quote_volume"
};

/* The members of c the exchange gave, as text (NULL when not given). */
static void
rec_values(const struct mdx_candle *c, char v[9][MDX_DEC_BUFSZ],
    int have[9])
{
	const mdx_dec *d[9] = { &c->open, &c->high, &c->low, &c->close,
	    &c->volume, &c->quote_volume, NULL, &c->taker_buy_volume,
	    &c->taker_buy_quote_volume };
	const unsigned bit[9] = { 0, 0, 0, 0, MDX_C_VOLUME,
	    MDX_C_QUOTE_VOLUME, MDX_C_TRADES, MDX_C_TAKER_BUY_VOLUME,
	    MDX_C_TAKER_BUY_QUOTE_VOLUME };
	int i;

	for (i = 0; i < 9; i++) {
		have[i] = bit[i] == 0 || (c->has & bit[i]) != 0;
		if (!have[i])
			continue;
		if (i == 6)
			snprintf(v[i], MDX_DEC_BUFSZ, "%lld",
			    (long long)c->trades);
		else
			mdx_dec_format(d[i], v[i]);
	}
}

struct recbatch {
	struct mdx_candle *c;
	size_t n, cap;
};

/* Appends s and a tab as a field of COPY's text format. */
static void
copy_field(struct mdx_buf *b, const char *s)
{
	mdx_copy_text(b, s, strlen(s));
	mdx_buf_addch(b, '\t');
}

/* Compares a batch of input candles with the warehouse rollups. */
static void
rec_flush(struct ctx *x, struct recbatch *rb, uint64_t *differ, uint64_t *missing, uint64_t *equal)
{
	struct mdx_writer *w = mdx_stdout();
	struct mdx_buf b = MDX_BUF_INIT, out = MDX_BUF_INIT;
	char v[9][MDX_DEC_BUFSZ], tb[MDX_TIME_BUFSZ];
	const char *rv;
	int have[9], i, nd, f, rnull;
	size_t k;
	mdx_dec a, d;
	PGresult *r;

	if (rb->n == 0)
		return;
	for (k = 0; k < rb->n; k++) {
		mdx_time_format(rb->c[k].open_time, tb);
		mdx_buf_printf(&b, "%zu\t", k);
		copy_field(&b, rb->c[k].exchange);
		copy_field(&b, rb->c[k].market);
		copy_field(&b, rb->c[k].symbol);
		copy_field(&b, mdx_price_name(rb->c[k].price));
		mdx_buf_printf(&b, "%s\t%s\n", rb->c[k].interval->code, tb);
	}
	qq(x, "TRUNCATE agg_rec");
	copy_in(x, "COPY agg_rec FROM STDIN", &b);
	r = q(x, "SELECT k.k, c.open, c.high, c.low, c.close, c.volume, "
	    "c.quote_volume, c.trades, c.taker_buy_volume, "
	    "c.taker_buy_quote_volume, c.base_count, c.base_expected, "
	    "c.origin FROM agg_rec k "
	    "LEFT JOIN mdx.instrument i ON i.exchange = k.exchange AND "
	    "i.market = k.market AND i.symbol = k.symbol "
	    "AND i.price = k.price "
	    "LEFT JOIN mdx.candle c ON c.instrument_id = i.instrument_id "
	    "AND c.interval = k.interval AND c.open_time = k.open_time "
	    "AND c.origin = 'rollup' ORDER BY k.k");
	for (i = 0; i < PQntuples(r); i++) {
		k = strtoull(PQgetvalue(r, i, 0), NULL, 10);
		mdx_buf_reset(&out);
		mdx_time_format(rb->c[k].open_time, tb);
		mdx_buf_addstr(&out, "{\"kind\":\"reconcile\"");
		mdx_buf_add_json_kv(&out, 0, "exchange", rb->c[k].exchange);
		mdx_buf_add_json_kv(&out, 0, "market", rb->c[k].market);
		mdx_buf_add_json_kv(&out, 0, "symbol", rb->c[k].symbol);
		mdx_buf_add_json_kv(&out, 0, "interval",
		    rb->c[k].interval->code);
		if (rb->c[k].price != MDX_PRICE_TRADE)
			mdx_buf_add_json_kv(&out, 0, "price",
			    mdx_price_name(rb->c[k].price));
		mdx_buf_add_json_kv(&out, 0, "open_time", tb);
		if (PQgetisnull(r, i, 12)) {
			mdx_buf_addstr(&out, ",\"status\":\"missing\"}");
			mdx_write_line(w, out.data, out.len);
			(*missing)++;
			continue;
		}
		rec_values(&rb->c[k], v, have);
		nd = 0;
		for (f = 0; f < 9; f++) {
			rv = PQgetvalue(r, i, 1 + f);
			rnull = PQgetisnull(r, i, 1 + f);
			if (!have[f] && rnull)
				continue;
			if (have[f] && !rnull) {
				if (mdx_dec_parse(&a, v[f], strlen(v[f])) == 0 &&
				    mdx_dec_parse(&d, rv, strlen(rv)) == 0 &&
				    mdx_dec_cmp(&a, &d) == 0)
					continue;
			}
			mdx_buf_addstr(&out, nd == 0 ? ",\"fields\":{" : ",");
			mdx_buf_add_json_str(&out, rec_field[f],
			    strlen(rec_field[f]));
			mdx_buf_addstr(&out, ":{\"exchange\":");
			if (have[f])
				mdx_buf_add_json_str(&out, v[f], strlen(v[f]));
			else
				mdx_buf_addstr(&out, "null");
			mdx_buf_addstr(&out, ",\"rollup\":");
			if (!rnull)
				mdx_buf_add_json_str(&out, rv, strlen(rv));
			else
				mdx_buf_addstr(&out, "null");
			mdx_buf_addch(&out, '}');
			nd++;
		}
		if (nd == 0) {
			(*equal)++;
			continue;
		}
		mdx_buf_printf(&out, "},\"status\":\"differs\","
		    "\"base_count\":%s,\"base_expected\":%s}",
		    PQgetvalue(r, i, 10), PQgetvalue(r, i, 11));
		mdx_write_line(w, out.data, out.len);
		(*differ)++;
	}
	PQclear(r);
	rb->n = 0;
	mdx_buf_free(&b);
	mdx_buf_free(&out);
}

int
mdx_agg_db_reconcile(const struct mdx_agg_db *o)
{
	struct mdx_reader *rd;
	struct mdx_json_doc *doc;
	struct recbatch rb = { 0 };
	struct ctx x;
	struct mdx_pos pos;
	const char *line;
	char why[256];
	size_t len;
	uint64_t nread = 0, bad = 0, differ = 0, missing = 0, equal = 0;
	int rc;

	connect_ctx(&x, o);
	qq(&x, "CREATE TEMP TABLE agg_rec (k bigint, exchange text, "
	    "market text, symbol text, price text, interval text, "
	    "open_time timestamptz)");
	doc = mdx_json_doc_new();
	rd = mdx_reader_open(o->argv, o->argc);
	while ((rc = mdx_reader_next(rd, &line, &len)) != MDX_RD_EOF) {
		pos = mdx_reader_pos(rd);
		if (rc == MDX_RD_ERR)
			mdx_die(mdx_reader_error_status(rd), "%s (at %s:%lu)",
			    mdx_reader_error(rd), pos.name, pos.line);
		nread++;
		if (rc == MDX_RD_BAD) {
			mdx_warn("bad line: %s (at %s:%lu)",
			    mdx_reader_error(rd), pos.name, pos.line);
			bad++;
			continue;
		}
		if (rb.n == rb.cap) {
			rb.cap = rb.cap ? rb.cap * 2 : 1024;
			rb.c = mdx_realloc(rb.c, rb.cap * sizeof(*rb.c));
		}
		if (mdx_candle_parse(&rb.c[rb.n], line, len, doc, why,
		    sizeof(why)) != 0) {
			mdx_warn("bad candle: %s (at %s:%lu)", why, pos.name,
			    pos.line);
			bad++;
			continue;
		}
		rb.n++;
		if (rb.n == 10000)
			rec_flush(&x, &rb, &differ, &missing, &equal);
	}
	rec_flush(&x, &rb, &differ, &missing, &equal);
	mdx_writer_flush(mdx_stdout());
	if (mdx_verbose >= 1)
		mdx_warn("%llu read = %llu equal + %llu differ + %llu without "
		    "a rollup + %llu rejected", (unsigned long long)nread,
		    (unsigned long long)equal, (unsigned long long)differ,
		    (unsigned long long)missing, (unsigned long long)bad);
	mdx_reader_close(rd);
	mdx_json_doc_free(doc);
	free(rb.c);
	disconnect_ctx(&x);
	if (bad > 0)
		return MDX_EX_DATAERR;
	return differ + missing > 0 ? MDX_EX_FAIL : MDX_EX_OK;
}
