/*
 * load.c - canonical records into the warehouse, the work of mdx-load(1).
 *
 * Candles and depth snapshots are gathered into batches.  A batch is
 * written in one transaction: COPY into temporary staging tables, then one
 * INSERT ... ON CONFLICT DO UPDATE per table, whose WHERE clause skips rows
 * that would not change, so an identical reload writes nothing (no new row
 * versions, no dead tuples).  Instrument records are applied as they come.
 * No data is ever pasted into SQL: the COPY stream is escaped for COPY's
 * text format and everything else goes as parameters.
 */
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "db.h"
#include "copy.h"
#include "hash.h"
#include "watch.h"
#include "candle.h"
#include "market.h"
#include "deriv.h"
#include "trade.h"

#include "load.h"

/* A candle of the current batch: its key, what decides between duplicates,
 * and where its COPY line is in the batch buffer. */
struct entry {
	int64_t iid;
	const struct mdx_interval *iv;
	mdx_time open_time;
	mdx_time fetched_at;
	size_t off;
	uint32_t len;
	int32_t month;		/* year * 12 + month - 1 of open_time */
	uint8_t closed, has_fetched;
	uint8_t state;		/* ST_NEW, ST_SAME, ST_DIFFERS */
	int32_t next;		/* hash chain */
};

/* What a batch candle is against the stored one (see compare_stored()). */
enum { ST_NEW, ST_SAME, ST_DIFFERS };

#define M_ALL ((1u << ST_NEW) | (1u << ST_SAME) | (1u << ST_DIFFERS))
#define M_CHANGED ((1u << ST_NEW) | (1u << ST_DIFFERS))

/* A new candle of a batch, sorted by month, series and time for the COPYs
 * into the partitions and the change log (see copy_new()). */
struct newrow {
	int32_t month;
	int32_t ix;		/* its entry */
	int64_t iid;
	const struct mdx_interval *iv;
	mdx_time t;
};

/* The instrument cache: (exchange, market, symbol, price) ->
 * instrument_id. */
struct inst {
	char *key;		/* exchange NUL market NUL symbol NUL price */
	size_t keylen;
	int64_t iid;
	struct inst *next;
};

#define INST_BUCKETS 1024
#define MONTHS_MAX 2400
#define SERIES_MAX 64

/* A batch: the candles and snapshots written in one transaction. */
struct batch {
	struct entry *e;	/* the candles */
	size_t ne;
	size_t ndead;		/* lines replaced by a later duplicate */
	int32_t *bucket;	/* hash of the entries by key */
	struct mdx_buf copy;	/* their COPY lines */
	int32_t need[MONTHS_MAX]; /* the months (year * 12 + month - 1) */
	size_t nneed;		/* of the batch's open times */
	mdx_time mlo, mhi;	/* the last month seen: [mlo, mhi) */
	int32_t mcur;		/* and its number */

	struct series {		/* the series of the batch and their */
		int64_t iid;	/* open_time ranges */
		const struct mdx_interval *iv;
		mdx_time lo, hi;
	} series[SERIES_MAX];
	size_t nseries;
	int manyseries;		/* more than SERIES_MAX: merge it */

	struct mdx_buf dcopy;	/* the depth snapshots' COPY lines */
	size_t nd;

	struct mdx_buf fcopy;	/* the funding events' COPY lines */
	size_t nf;
	mdx_time flo, fhi;	/* and their times */
	struct mdx_buf ocopy;	/* the open-interest samples' COPY lines */
	size_t no;
	mdx_time olo, ohi;
	/* What the batch did with them, counted when it commits. */
	unsigned long fins, frev, oins, orev;
	struct mdx_buf tcopy;	/* the trades' COPY lines */
	size_t nt;
	mdx_time tlo, thi;	/* and the range of their times */
};

/*
 * Two batches: while the server takes in the COPY of one (pending), the
 * next is read and parsed into the other, so the program's work overlaps
 * the server's.
 */
struct mdx_load {
	PGconn *c;
	/*
	 * Whether the warehouse has Citus: the merge's lateral outer join
	 * is refused there, and the upsert writes what it would.
	 */
	int citus;
	int64_t run_id;
	char run_id_s[24];
	int finished;		/* the run row has its end */
	size_t batch;
	struct mdx_load_counts n;

	struct batch bat[2];
	struct batch *b;	/* the batch being filled */
	struct batch *pend;	/* the batch whose COPY is under way */
	unsigned long pend_ins;	/* the candles it inserts */
	size_t pend_i, pend_n;	/* its rows nr[pend_i..pend_n) not yet sent */
	unsigned tick;		/* candles read since the last pump() */
	uint64_t mask;

	struct inst *inst[INST_BUCKETS];
	char mkt[2 * MDX_NAME_MAX]; /* the last market ensured: E NUL M */
	int32_t months[MONTHS_MAX]; /* months known to have a partition */
	uint8_t direct[MONTHS_MAX]; /* and whether it is mdx.candle_YYYYMM */
	size_t nmonths;

	struct newrow *nr;	/* the new candles of a batch, sorted */
	struct mdx_buf log;	/* their change log lines */

	struct mdx_json_doc *doc;
	struct mdx_trade_scan *tscan;
	struct mdx_candle_scan *cscan;
	struct mdx_candle cd;
	struct mdx_buf tmp, json;

	/* While a batch is written: where a deadlock or serialization
	 * failure returns to, after the rollback, to write it again. */
	jmp_buf again;
	int armed;
};

/*
 * Two loads of overlapping candles may deadlock (SQLSTATE 40P01) or fail
 * to serialize (40001): the server rolls one batch back.  It is written
 * again, at most this many times in all, after a random wait below a
 * ceiling that doubles from BATCH_BACKOFF ms.
 */
#define BATCH_TRIES 8
/* The most COPY rows sent in one CopyData message, in bytes. */
#define COPY_MSG 65536
#define BATCH_BACKOFF 50

/*
 * The staging tables, temporary, emptied at each commit.  A batch is tens
 * of megabytes: temp_buffers (which can only be set before the session's
 * first temporary table) is raised so that it stays in memory.  On Citus,
 * a batch writes the run row (a reference table) after its COPY to many
 * shards, which Citus allows only when the shards were written one
 * connection at a time.
 */
static const char stage_sql[] =
    "SET temp_buffers = '96MB';"
    "SET mdx.log = 'self';"
    "SELECT set_config('citus.multi_shard_modify_mode', 'sequential', false)"
    " FROM pg_extension WHERE extname = 'citus';"
    "SET client_min_messages TO warning;"
    "CREATE TEMP TABLE IF NOT EXISTS mdx_stage_candle ("
    " instrument_id bigint, interval text, open_time timestamptz,"
    " open numeric, high numeric, low numeric, close numeric,"
    " volume numeric, quote_volume numeric, trades bigint,"
    " taker_buy_volume numeric, taker_buy_quote_volume numeric,"
    " closed boolean, origin text, base_count integer,"
    " base_expected integer, fetched_at timestamptz, run_id bigint"
    ") ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS mdx_stage_change ("
    " instrument_id bigint, interval text, from_time timestamptz,"
    " to_time timestamptz, rows integer"
    ") ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS mdx_stage_depth ("
    " seq integer, instrument_id bigint, time timestamptz, bids jsonb,"
    " asks jsonb, update_id bigint"
    ") ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS mdx_stage_funding ("
    " seq integer, instrument_id bigint, time timestamptz, rate numeric,"
    " interval text, mark_price numeric, origin text, fetched_at timestamptz"
    ") ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS mdx_stage_oi ("
    " seq integer, instrument_id bigint, period text, time timestamptz,"
    " open_interest numeric, open_interest_value numeric, origin text,"
    " fetched_at timestamptz"
    ") ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS mdx_stage_trade ("
    " seq integer, instrument_id bigint, time timestamptz, trade_id text,"
    " first_id bigint, last_id bigint, price numeric, quantity numeric,"
    " quote_quantity numeric, side text, origin text, fetched_at timestamptz"
    ") ON COMMIT DELETE ROWS;"
    "SET client_min_messages TO notice";

/* The change log entries staged by copy_new(), into the log. */
static const char log_stage_sql[] =
    "SELECT mdx.log_candle_changes(array_agg(instrument_id),"
    " array_agg(interval), array_agg(from_time), array_agg(to_time),"
    " array_agg(rows)) FROM pg_temp.mdx_stage_change";

/* The columns of a candle COPY line, in order. */
#define CANDLE_COLS "instrument_id, interval, open_time, open, high, low," \
	" close, volume, quote_volume, trades, taker_buy_volume," \
	" taker_buy_quote_volume, closed, origin, base_count, base_expected," \
	" fetched_at, run_id"
#define CANDLE_NCOLS 18

/*
 * A batch is written in one of three ways, fastest first:
 *
 * 1. When its series are few (SERIES_MAX), the stored candles in the
 *    batch's time ranges are read back first and compared here: the
 *    unchanged ones are not sent at all.  When nothing else differs, the
 *    new candles are copied straight into mdx.candle, so a bulk load of
 *    new data costs what a plain COPY costs and a reload writes nothing.
 * 2. Otherwise the candles that are new or differ (all of them when the
 *    series are many) are copied into the staging table and merged by one
 *    statement: each staged row looks up its key, the new ones are
 *    inserted and the differing ones updated; rows that would not change
 *    are not touched (not even locked).  The lookups go through the
 *    primary key row by row (nested loops), so the cost follows the
 *    batch, not the table.
 * 3. When a concurrent load inserted one of the keys first (a unique
 *    violation in 1 or 2), the batch is rolled back and written again
 *    with one INSERT ... ON CONFLICT DO UPDATE, which cannot collide.
 *
 * On Citus the merge's lateral join is refused, and 2 goes the way of 3.
 *
 * In every way, a stored row is left alone when nothing would change,
 * when it is closed and the new one is open, and when the new one was
 * fetched before it: only a real revision writes.
 */
#define CANDLE_DIFFERS(c, s) \
    " (" c ".open, " c ".high, " c ".low, " c ".close, " c ".volume," \
    " " c ".quote_volume, " c ".trades, " c ".taker_buy_volume," \
    " " c ".taker_buy_quote_volume, " c ".closed, " c ".origin," \
    " " c ".base_count, " c ".base_expected)" \
    " IS DISTINCT FROM (" s ".open, " s ".high, " s ".low, " s ".close," \
    " " s ".volume, " s ".quote_volume, " s ".trades," \
    " " s ".taker_buy_volume, " s ".taker_buy_quote_volume, " s ".closed," \
    " " s ".origin, " s ".base_count, " s ".base_expected)" \
    " AND (" s ".closed OR NOT " c ".closed)" \
    " AND (" c ".fetched_at IS NULL OR " s ".fetched_at IS NULL" \
    " OR " s ".fetched_at >= " c ".fetched_at)"

/* The stored candles in the batch's ranges, streamed row by row, in
 * binary: the columns of a COPY row, in its order, up to fetched_at. */
static const char stored_sql[] =
    "SELECT c.instrument_id, c.interval, c.open_time, c.open, c.high,"
    " c.low, c.close, c.volume, c.quote_volume, c.trades,"
    " c.taker_buy_volume, c.taker_buy_quote_volume, c.closed, c.origin,"
    " c.base_count, c.base_expected, c.fetched_at"
    " FROM unnest($1::bigint[], $2::text[], $3::timestamptz[],"
    " $4::timestamptz[]) AS r(iid, iv, lo, hi)"
    " JOIN LATERAL (SELECT * FROM mdx.candle c"
    " WHERE c.instrument_id = r.iid AND c.interval = r.iv"
    " AND c.open_time >= r.lo AND c.open_time <= r.hi) c ON true";

static const char nested_sql[] =
    "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off";

/*
 * The merge: one probe of the primary key per staged row (the LATERAL
 * subquery with LIMIT 1 is always an index lookup), then the new rows
 * inserted and the differing ones updated.
 */
static const char merge_candle_sql[] =
    "WITH j AS MATERIALIZED (SELECT s.*, c.instrument_id IS NOT NULL AS found,"
    " c.instrument_id IS NOT NULL AND" CANDLE_DIFFERS("c", "s") " AS differs"
    " FROM pg_temp.mdx_stage_candle s LEFT JOIN LATERAL (SELECT"
    " c.instrument_id, c.open, c.high, c.low, c.close, c.volume,"
    " c.quote_volume, c.trades, c.taker_buy_volume,"
    " c.taker_buy_quote_volume, c.closed, c.origin, c.base_count,"
    " c.base_expected, c.fetched_at FROM mdx.candle c"
    " WHERE c.instrument_id = s.instrument_id AND c.interval = s.interval"
    " AND c.open_time = s.open_time LIMIT 1) c ON true),"
    " ins AS (INSERT INTO mdx.candle (" CANDLE_COLS ", updated_at)"
    " SELECT " CANDLE_COLS ", now() FROM j WHERE NOT found"
    " RETURNING instrument_id, interval, open_time),"
    " upd AS (UPDATE mdx.candle AS c SET open = j.open, high = j.high,"
    " low = j.low, close = j.close, volume = j.volume,"
    " quote_volume = j.quote_volume, trades = j.trades,"
    " taker_buy_volume = j.taker_buy_volume,"
    " taker_buy_quote_volume = j.taker_buy_quote_volume, closed = j.closed,"
    " origin = j.origin, base_count = j.base_count,"
    " base_expected = j.base_expected, fetched_at = j.fetched_at,"
    " run_id = j.run_id, updated_at = now() FROM j"
    " WHERE j.differs AND c.instrument_id = j.instrument_id"
    " AND c.interval = j.interval AND c.open_time = j.open_time"
    " RETURNING c.instrument_id, c.interval, c.open_time),"
    MDX_DB_LOG_CTE("(SELECT * FROM ins UNION ALL SELECT * FROM upd)")
    " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd),"
    " (SELECT count(*) FROM lg)";

/*
 * PostgreSQL cannot return xmax (the usual inserted-or-updated test) from
 * a partitioned table, so the upsert tells the two apart by updated_at: an
 * insert sets it to now(), the start of the batch transaction, and a
 * revision to one microsecond after it.  The SET of the upsert takes the
 * time from the row (excluded), not from a function, as Citus wants it,
 * and the comparison with now() is made over the returned rows, on the
 * node the program talks to.
 */
static const char upsert_candle_sql[] =
    "WITH u AS ("
    "INSERT INTO mdx.candle AS c (" CANDLE_COLS ", updated_at)"
    " SELECT s.*, now() FROM pg_temp.mdx_stage_candle s"
    " ON CONFLICT (instrument_id, interval, open_time) DO UPDATE SET"
    " open = excluded.open, high = excluded.high, low = excluded.low,"
    " close = excluded.close, volume = excluded.volume,"
    " quote_volume = excluded.quote_volume, trades = excluded.trades,"
    " taker_buy_volume = excluded.taker_buy_volume,"
    " taker_buy_quote_volume = excluded.taker_buy_quote_volume,"
    " closed = excluded.closed, origin = excluded.origin,"
    " base_count = excluded.base_count,"
    " base_expected = excluded.base_expected,"
    " fetched_at = excluded.fetched_at, run_id = excluded.run_id,"
    " updated_at = mdx.microsecond_after(excluded.updated_at)"
    " WHERE" CANDLE_DIFFERS("c", "excluded")
    " RETURNING c.instrument_id, c.interval, c.open_time, c.updated_at),"
    MDX_DB_LOG_CTE("u")
    " SELECT count(*) FILTER (WHERE updated_at = now()),"
    " count(*) FILTER (WHERE updated_at <> now()), (SELECT count(*) FROM lg)"
    " FROM u";

/*
 * Trades: the last of a key in the batch wins, as for depth snapshots; a
 * trade stored with the same values is left alone (a rerun changes
 * nothing).  The inserted are the staged trades not stored before (xmax
 * cannot be read back from a partitioned table), the revised the rest of
 * those written.
 */
static const char upsert_trade_sql[] =
    "WITH s AS (SELECT DISTINCT ON (instrument_id, time, trade_id) *"
    " FROM pg_temp.mdx_stage_trade"
    " ORDER BY instrument_id, time, trade_id, seq DESC),"
    " old AS (SELECT count(*) AS n FROM s JOIN mdx.trade t"
    " ON t.instrument_id = s.instrument_id AND t.time = s.time"
    " AND t.trade_id = s.trade_id),"
    " u AS (INSERT INTO mdx.trade AS t (instrument_id, time, trade_id,"
    " first_id, last_id, price, quantity, quote_quantity, side, origin,"
    " fetched_at, run_id)"
    " SELECT instrument_id, time, trade_id, first_id, last_id, price,"
    " quantity, quote_quantity, side, origin, fetched_at, $1::bigint FROM s"
    " ON CONFLICT (instrument_id, time, trade_id) DO UPDATE SET"
    " first_id = excluded.first_id, last_id = excluded.last_id,"
    " price = excluded.price, quantity = excluded.quantity,"
    " quote_quantity = excluded.quote_quantity, side = excluded.side,"
    " origin = excluded.origin, fetched_at = excluded.fetched_at,"
    " run_id = excluded.run_id"
    " WHERE (t.first_id, t.last_id, t.price, t.quantity, t.quote_quantity,"
    " t.side) IS DISTINCT FROM (excluded.first_id, excluded.last_id,"
    " excluded.price, excluded.quantity, excluded.quote_quantity,"
    " excluded.side)"
    " RETURNING 1)"
    " SELECT (SELECT count(*) FROM s) - (SELECT n FROM old),"
    " (SELECT count(*) FROM u) - (SELECT count(*) FROM s)"
    " + (SELECT n FROM old)";

static const char upsert_depth_sql[] =
    "WITH u AS ("
    "INSERT INTO mdx.depth AS d (instrument_id, time, bids, asks,"
    " update_id, run_id, updated_at)"
    " SELECT DISTINCT ON (instrument_id, time) instrument_id, time, bids,"
    " asks, update_id, $1::bigint, now()"
    " FROM pg_temp.mdx_stage_depth ORDER BY instrument_id, time, seq DESC"
    " ON CONFLICT (instrument_id, time) DO UPDATE SET bids = excluded.bids,"
    " asks = excluded.asks, update_id = excluded.update_id,"
    " run_id = excluded.run_id,"
    " updated_at = mdx.microsecond_after(excluded.updated_at)"
    " WHERE (d.bids, d.asks, d.update_id) IS DISTINCT FROM"
    " (excluded.bids, excluded.asks, excluded.update_id)"
    " RETURNING d.updated_at)"
    " SELECT count(*) FILTER (WHERE updated_at = now()),"
    " count(*) FILTER (WHERE updated_at <> now()) FROM u";

/*
 * Funding events and open-interest samples: the duplicates of a batch
 * reduced to the one fetched last (else the last line), then one upsert
 * that leaves a stored row alone when nothing would change or when the
 * new one was fetched before it.  A source that does not give the
 * funding interval, the mark price or the value in quote currency does
 * not erase what another source gave.  Inserted and revised rows are told
 * apart by updated_at, as for depth snapshots: a look at the stored keys
 * first would be a correlated subquery, which Citus refuses.
 */
static const char upsert_funding_sql[] =
    "WITH s AS (SELECT DISTINCT ON (instrument_id, time) * FROM"
    " pg_temp.mdx_stage_funding ORDER BY instrument_id, time,"
    " fetched_at DESC NULLS LAST, seq DESC),"
    " u AS (INSERT INTO mdx.funding AS f (instrument_id, time, rate,"
    " interval, mark_price, origin, fetched_at, run_id, updated_at)"
    " SELECT instrument_id, time, rate, interval, mark_price, origin,"
    " fetched_at, $1::bigint, now() FROM s"
    " ON CONFLICT (instrument_id, time) DO UPDATE SET rate = excluded.rate,"
    " interval = coalesce(excluded.interval, f.interval),"
    " mark_price = coalesce(excluded.mark_price, f.mark_price),"
    " origin = excluded.origin, fetched_at = excluded.fetched_at,"
    " run_id = excluded.run_id,"
    " updated_at = mdx.microsecond_after(excluded.updated_at)"
    " WHERE (f.rate, f.interval, f.mark_price, f.origin) IS DISTINCT FROM"
    " (excluded.rate, coalesce(excluded.interval, f.interval),"
    " coalesce(excluded.mark_price, f.mark_price), excluded.origin)"
    " AND (f.fetched_at IS NULL OR excluded.fetched_at IS NULL"
    " OR excluded.fetched_at >= f.fetched_at) RETURNING f.updated_at)"
    " SELECT count(*) FILTER (WHERE updated_at = now()),"
    " count(*) FILTER (WHERE updated_at <> now()) FROM u";

static const char upsert_oi_sql[] =
    "WITH s AS (SELECT DISTINCT ON (instrument_id, period, time) * FROM"
    " pg_temp.mdx_stage_oi ORDER BY instrument_id, period, time,"
    " fetched_at DESC NULLS LAST, seq DESC),"
    " u AS (INSERT INTO mdx.open_interest AS o (instrument_id, period, time,"
    " open_interest, open_interest_value, origin, fetched_at, run_id,"
    " updated_at)"
    " SELECT instrument_id, period, time, open_interest,"
    " open_interest_value, origin, fetched_at, $1::bigint, now() FROM s"
    " ON CONFLICT (instrument_id, period, time) DO UPDATE SET"
    " open_interest = excluded.open_interest,"
    " open_interest_value = coalesce(excluded.open_interest_value,"
    " o.open_interest_value),"
    " origin = excluded.origin, fetched_at = excluded.fetched_at,"
    " run_id = excluded.run_id,"
    " updated_at = mdx.microsecond_after(excluded.updated_at)"
    " WHERE (o.open_interest, o.open_interest_value, o.origin)"
    " IS DISTINCT FROM (excluded.open_interest,"
    " coalesce(excluded.open_interest_value, o.open_interest_value),"
    " excluded.origin)"
    " AND (o.fetched_at IS NULL OR excluded.fetched_at IS NULL"
    " OR excluded.fetched_at >= o.fetched_at) RETURNING o.updated_at)"
    " SELECT count(*) FILTER (WHERE updated_at = now()),"
    " count(*) FILTER (WHERE updated_at <> now()) FROM u";

static const char instrument_sql[] =
    "WITH u AS ("
    "INSERT INTO mdx.instrument AS i (exchange, market, symbol, base, quote,"
    " tick_size, lot_size, contract_size, status, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())"
    " ON CONFLICT (exchange, market, symbol, price) DO UPDATE SET"
    " base = coalesce(excluded.base, i.base),"
    " quote = coalesce(excluded.quote, i.quote),"
    " tick_size = coalesce(excluded.tick_size, i.tick_size),"
    " lot_size = coalesce(excluded.lot_size, i.lot_size),"
    " contract_size = coalesce(excluded.contract_size, i.contract_size),"
    " status = coalesce(excluded.status, i.status),"
    " updated_at = excluded.updated_at"
    " WHERE (i.base, i.quote, i.tick_size, i.lot_size, i.contract_size,"
    " i.status) IS DISTINCT FROM (coalesce(excluded.base, i.base),"
    " coalesce(excluded.quote, i.quote),"
    " coalesce(excluded.tick_size, i.tick_size),"
    " coalesce(excluded.lot_size, i.lot_size),"
    " coalesce(excluded.contract_size, i.contract_size),"
    " coalesce(excluded.status, i.status))"
    " RETURNING instrument_id, (xmax = 0) AS inserted)"
    " SELECT instrument_id, inserted FROM u";

static const char find_instrument_sql[] =
    "WITH ins AS ("
    "INSERT INTO mdx.instrument (exchange, market, symbol, price)"
    " VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (exchange, market, symbol, price) DO NOTHING"
    " RETURNING instrument_id)"
    " SELECT instrument_id, true FROM ins UNION ALL"
    " SELECT instrument_id, false FROM mdx.instrument"
    " WHERE exchange = $1 AND market = $2 AND symbol = $3 AND price = $4";

static const char ensure_market_sql[] =
    "SELECT mdx.ensure_market($1, $2)";

/* The first line of the server's message for a failed command. */
static void
db_message(PGconn *c, const PGresult *r, char *out, size_t outsz)
{
	const char *m;

	m = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (m == NULL)
		m = PQerrorMessage(c);
	mdx_db_first_line(m, out, outsz);
}

/*
 * Ends the program after a failed command.  The open batch, if any, is
 * rolled back and the run marked failed when the server is still there to
 * be told; a lost connection leaves the run row as it was (running), and
 * the server has rolled the batch back itself.
 */
static void MDX_NORETURN
die_db(struct mdx_load *l, PGresult *r, const char *what)
{
	char msg[512];
	const char *state;
	int st, retry;

	db_message(l->c, r, msg, sizeof(msg));
	st = mdx_db_error_status(l->c, r);
	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	retry = l->armed && state != NULL && (strcmp(state, "40P01") == 0 ||
	    strcmp(state, "40001") == 0);
	if (r != NULL)
		PQclear(r);
	l->pend = NULL;
	if (PQstatus(l->c) == CONNECTION_BAD)
		mdx_die(st, "lost the connection to the warehouse %s: %s", what,
		    msg);
	/* Leave a COPY in progress and read what is left of the command. */
	while ((r = PQgetResult(l->c)) != NULL) {
		if (PQresultStatus(r) == PGRES_COPY_IN)
			PQputCopyEnd(l->c, "mdx-load failed");
		PQclear(r);
	}
	PQclear(PQexec(l->c, "ROLLBACK"));
	if (retry) {
		/* The batch is still in memory: write it again. */
		mdx_debug("batch rolled back %s: %s", what, msg);
		l->armed = 0;
		longjmp(l->again, 1);
	}
	mdx_load_finish(l, st, msg);
	mdx_die(st, "warehouse error %s: %s", what, msg);
}

/* Waits before try number n (2, 3 ...) of a batch that was rolled back. */
static void
batch_backoff(int n)
{
	struct timespec ts;
	long ceiling = BATCH_BACKOFF, ms;
	int i;

	for (i = 2; i < n; i++)
		ceiling *= 2;
	ms = ceiling / 2 + rand() % (ceiling / 2 + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	if (mdx_verbose >= 1)
		mdx_warn("batch deadlocked with a concurrent writer; writing "
		    "it again (%d of %d)", n, BATCH_TRIES);
}

static void complete_pending(struct mdx_load *);
static void pump(struct mdx_load *);

static PGresult *
check(struct mdx_load *l, PGresult *r, const char *what)
{
	if (r == NULL || (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COPY_IN))
		die_db(l, r, what);
	return r;
}

static PGresult *
execp(struct mdx_load *l, const char *sql, int n, const char *const *p,
    const char *what)
{
	complete_pending(l);
	return check(l, PQexecParams(l->c, sql, n, NULL, p, NULL, NULL, 0),
	    what);
}

struct mdx_load *
mdx_load_begin(PGconn *c, const char *args, size_t batch)
{
	struct mdx_load *l;
	const char *p[2];
	PGresult *r;
	size_t nb;
	int k;

	l = mdx_calloc(1, sizeof(*l));
	l->c = c;
	l->batch = batch > 0 ? batch : 1;
	for (nb = 16; nb < l->batch * 2; nb *= 2)
		;
	for (k = 0; k < 2; k++) {
		l->bat[k].e = mdx_calloc(l->batch, sizeof(*l->bat[k].e));
		l->bat[k].bucket = mdx_calloc(nb, sizeof(*l->bat[k].bucket));
		memset(l->bat[k].bucket, 0xff, nb * sizeof(*l->bat[k].bucket));
	}
	l->nr = mdx_calloc(l->batch, sizeof(*l->nr));
	l->b = &l->bat[0];
	l->mask = nb - 1;
	l->doc = mdx_json_doc_new();
	l->tscan = mdx_trade_scan_new();
	l->cscan = mdx_candle_scan_new();
	/* Loads that deadlock together must not wait alike before their
	 * next try. */
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	mdx_db_check_schema(c);
	PQclear(mdx_db_exec(c, stage_sql));
	r = mdx_db_exec(c, "SELECT to_regclass('pg_catalog.pg_dist_partition')"
	    " IS NOT NULL");
	l->citus = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	p[0] = args;
	p[1] = MDX_VERSION;
	r = mdx_db_execp(c, "INSERT INTO mdx.run (program, args, version)"
	    " VALUES ('mdx-load', $1, $2) RETURNING run_id", 2, p);
	l->run_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	snprintf(l->run_id_s, sizeof(l->run_id_s), "%" PRId64, l->run_id);
	return l;
}

int64_t
mdx_load_run_id(const struct mdx_load *l)
{
	return l->run_id;
}

const struct mdx_load_counts *
mdx_load_counts(const struct mdx_load *l)
{
	return &l->n;
}

static void
counts_json(const struct mdx_load *l, struct mdx_buf *b)
{
	const struct mdx_load_counts *n = &l->n;

	mdx_buf_reset(b);
	mdx_buf_printf(b, "{\"read\":%lu,\"candles\":%lu,\"inserted\":%lu,"
	    "\"revised\":%lu,\"unchanged\":%lu,\"duplicates\":%lu,"
	    "\"depth\":%lu,\"depth_inserted\":%lu,\"depth_revised\":%lu,"
	    "\"funding\":%lu,\"funding_inserted\":%lu,"
	    "\"funding_revised\":%lu,\"open_interest\":%lu,"
	    "\"open_interest_inserted\":%lu,\"open_interest_revised\":%lu,"
	    "\"trades\":%lu,\"trades_inserted\":%lu,\"trades_revised\":%lu,"
	    "\"instruments\":%lu,\"instruments_created\":%lu,"
	    "\"instruments_updated\":%lu,\"rejected\":%lu,\"batches\":%lu}",
	    n->read, n->candles, n->inserted, n->revised, n->unchanged,
	    n->duplicates, n->depth, n->depth_inserted, n->depth_revised,
	    n->funding, n->funding_inserted, n->funding_revised,
	    n->open_interest, n->oi_inserted, n->oi_revised,
	    n->trades, n->trades_inserted, n->trades_revised,
	    n->instruments, n->instruments_created, n->instruments_updated,
	    n->rejected, n->batches);
}

/* ------------------------------------------------------------------------
 * Instruments.
 */

static size_t
inst_key(struct mdx_buf *b, const char *ex, const char *mk, const char *sym,
    enum mdx_price price)
{
	const char *pn = mdx_price_name(price);

	mdx_buf_reset(b);
	mdx_buf_add(b, ex, strlen(ex) + 1);
	mdx_buf_add(b, mk, strlen(mk) + 1);
	mdx_buf_add(b, sym, strlen(sym) + 1);
	mdx_buf_add(b, pn, strlen(pn));
	return b->len;
}

static struct inst *
inst_find(struct mdx_load *l, const char *key, size_t n)
{
	struct inst *i;

	for (i = l->inst[mdx_fnv1a(MDX_FNV1A_BASIS, key, n) % INST_BUCKETS];
	    i != NULL; i = i->next)
		if (i->keylen == n && memcmp(i->key, key, n) == 0)
			return i;
	return NULL;
}

static void
inst_add(struct mdx_load *l, const char *key, size_t n, int64_t iid)
{
	struct inst *i;
	size_t b;

	if ((i = inst_find(l, key, n)) != NULL) {
		i->iid = iid;
		return;
	}
	i = mdx_malloc(sizeof(*i));
	i->key = mdx_malloc(n);
	memcpy(i->key, key, n);
	i->keylen = n;
	i->iid = iid;
	b = mdx_fnv1a(MDX_FNV1A_BASIS, key, n) % INST_BUCKETS;
	i->next = l->inst[b];
	l->inst[b] = i;
}

/*
 * The instrument_id of (exchange, market, symbol) and the price its
 * candles follow (the trade row for everything but mark, index and
 * premium candles), creating the row when it is new.  Created outside any batch transaction, so an instrument
 * stays even when a batch fails.  The lookup is retried once for the case
 * where a concurrent load created the row after this statement's snapshot.
 */
/*
 * Makes sure mdx.exchange and mdx.market have the rows of ex and mk (the
 * instrument's foreign key needs them): records may name any exchange and
 * market (mdx-records(5)), and the warehouse creates those it does not
 * have.  Consecutive instruments nearly always share the market, so the
 * last one ensured is remembered and not asked for again.
 */
static void
ensure_market(struct mdx_load *l, const char *ex, const char *mk)
{
	const char *p[2] = { ex, mk };
	size_t ne = strlen(ex);

	if (strcmp(l->mkt, ex) == 0 && strcmp(l->mkt + ne + 1, mk) == 0)
		return;
	PQclear(execp(l, ensure_market_sql, 2, p, "creating a market"));
	memcpy(l->mkt, ex, ne + 1);
	memcpy(l->mkt + ne + 1, mk, strlen(mk) + 1);
}

static int64_t
instrument_id(struct mdx_load *l, const char *ex, const char *mk,
    const char *sym, enum mdx_price price)
{
	const char *p[4] = { ex, mk, sym, mdx_price_name(price) };
	struct inst *i;
	PGresult *r;
	size_t n;
	int64_t iid;
	int try;

	n = inst_key(&l->tmp, ex, mk, sym, price);
	if ((i = inst_find(l, l->tmp.data, n)) != NULL)
		return i->iid;
	ensure_market(l, ex, mk);
	for (try = 0; try < 2; try++) {
		r = execp(l, find_instrument_sql, 4, p,
		    "creating an instrument");
		if (PQntuples(r) > 0)
			break;
		PQclear(r);
		r = NULL;
	}
	if (r == NULL)
		mdx_die(MDX_EX_TEMPFAIL, "cannot find or create the instrument "
		    "'%s %s %s' (%s)", ex, mk, sym, p[3]);
	iid = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	if (PQgetvalue(r, 0, 1)[0] == 't')
		l->n.instruments_created++;
	PQclear(r);
	n = inst_key(&l->tmp, ex, mk, sym, price);
	inst_add(l, l->tmp.data, n, iid);
	return iid;
}

/* A nullable decimal member as a parameter: NULL, or its checked text. */
static int
param_dec(const struct mdx_json *v, char *buf, const char **out)
{
	mdx_dec d;

	*out = NULL;
	if (v == NULL || v->type == MDX_JSON_NULL)
		return 0;
	if (mdx_dec_from_json(&d, v) != MDX_DEC_OK || mdx_dec_sign(&d) <= 0)
		return -1;
	mdx_dec_format(&d, buf);
	*out = buf;
	return 0;
}

/* A nullable string member as a parameter. */
static int
param_str(const struct mdx_json *v, char *buf, size_t bufsz, const char **out)
{
	*out = NULL;
	if (v == NULL || v->type == MDX_JSON_NULL)
		return 0;
	if (mdx_json_strcpy(v, buf, bufsz) != 0)
		return -1;
	*out = buf;
	return 0;
}

static int
load_instrument(struct mdx_load *l, const struct mdx_json *obj, char *err,
    size_t errsz)
{
	static const char *const decs[] = { "tick_size", "lot_size",
	    "contract_size" };
	static const char *const strs[] = { "base", "quote", "status" };
	char ex[MDX_NAME_MAX], mk[MDX_NAME_MAX], sym[MDX_SYMBOL_MAX];
	char sb[3][MDX_SYMBOL_MAX], db[3][MDX_DEC_BUFSZ], why[MDX_ERRSZ];
	const char *p[9];
	PGresult *r;
	size_t n;
	int i;

	if (mdx_instrument_check(obj, ex, mk, sym, why, sizeof(why)) != 0)
		return mdx_errf(err, errsz, "bad instrument: %s", why);
	p[0] = ex;
	p[1] = mk;
	p[2] = sym;
	for (i = 0; i < 3; i++)
		if (param_str(mdx_json_get(obj, strs[i]), sb[i], sizeof(sb[i]),
		    &p[3 + (i < 2 ? i : 5)]))
			return mdx_errf(err, errsz, "bad instrument: bad \"%s\"",
			    strs[i]);
	for (i = 0; i < 3; i++)
		if (param_dec(mdx_json_get(obj, decs[i]), db[i], &p[5 + i]))
			return mdx_errf(err, errsz, "bad instrument: bad \"%s\"",
			    decs[i]);
	ensure_market(l, ex, mk);
	r = execp(l, instrument_sql, 9, p, "writing an instrument");
	l->n.instruments++;
	if (PQntuples(r) > 0) {
		if (PQgetvalue(r, 0, 1)[0] == 't')
			l->n.instruments_created++;
		else
			l->n.instruments_updated++;
		n = inst_key(&l->tmp, ex, mk, sym, MDX_PRICE_TRADE);
		inst_add(l, l->tmp.data, n,
		    strtoll(PQgetvalue(r, 0, 0), NULL, 10));
	}
	PQclear(r);
	return 0;
}

/* ------------------------------------------------------------------------
 * COPY rows (mdx_copy_text, mdx_copy_dec).
 */

static void
copy_time(struct mdx_buf *b, mdx_time t)
{
	char tb[MDX_TIME_BUFSZ];

	mdx_buf_add(b, tb, (size_t)mdx_time_format(t, tb));
}

/* ------------------------------------------------------------------------
 * Candles.
 */

static uint64_t
entry_hash(int64_t iid, const struct mdx_interval *iv, mdx_time t)
{
	uint64_t h;

	h = (uint64_t)iid * UINT64_C(0x9e3779b97f4a7c15);
	h ^= (uint64_t)(uintptr_t)iv * UINT64_C(0xc2b2ae3d27d4eb4f);
	h ^= (uint64_t)t * UINT64_C(0x165667b19e3779f9);
	return h ^ (h >> 29);
}

/*
 * Notes the month of t as needed by the batch.  The month last noted is
 * kept as a range, so that a run of candles in one month costs a compare.
 * Called before the candle joins the batch: a batch that has as many
 * months as it can hold is written first.
 */
static void
need_month(struct mdx_load *l, mdx_time t)
{
	struct mdx_tm tm;
	int32_t m;
	size_t i;

	mdx_time_split(t, &tm);
	m = tm.year * 12 + tm.month - 1;
	for (i = 0; i < l->b->nneed; i++)
		if (l->b->need[i] == m)
			break;
	if (i == l->b->nneed) {
		if (l->b->nneed == MONTHS_MAX)
			mdx_load_flush(l);
		l->b->need[l->b->nneed++] = m;
	}
	l->b->mcur = m;
	l->b->mlo = mdx_time_join(tm.year, tm.month, 1, 0, 0, 0, 0);
	if (tm.month == 12)
		l->b->mhi = mdx_time_join(tm.year + 1, 1, 1, 0, 0, 0, 0);
	else
		l->b->mhi = mdx_time_join(tm.year, tm.month + 1, 1, 0, 0, 0, 0);
}

/* The name of month m's partition, as mdx.ensure_candle_partitions()
 * makes it. */
static void
partition_name(int32_t m, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "mdx.candle_%04d%02d", (int)(m / 12),
	    (int)(m % 12 + 1));
}

/*
 * Makes sure the partitions of the batch's months exist, outside the batch
 * transaction: creating a partition locks mdx.candle, and that lock should
 * not be held while the batch is written.  Months known to have one are
 * not asked about again.
 */
static void
ensure_partitions(struct mdx_load *l)
{
	char from[MDX_TIME_BUFSZ], part[32];
	const char *p[2] = { from, from }, *q[1] = { part };
	PGresult *r;
	size_t i, j;
	int32_t m;

	for (i = 0; i < l->b->nneed; i++) {
		m = l->b->need[i];
		for (j = 0; j < l->nmonths; j++)
			if (l->months[j] == m)
				break;
		if (j < l->nmonths)
			continue;
		mdx_time_format(mdx_time_join(m / 12, m % 12 + 1, 1, 0, 0, 0,
		    0), from);
		PQclear(execp(l, "SELECT mdx.ensure_candle_partitions($1, $2)",
		    2, p, "creating candle partitions"));
		partition_name(m, part, sizeof(part));
		r = execp(l, "SELECT EXISTS (SELECT 1 FROM pg_inherits"
		    " WHERE inhrelid = to_regclass($1)"
		    " AND inhparent = 'mdx.candle'::regclass)", 1, q,
		    "finding candle partitions");
		if (l->nmonths < MONTHS_MAX) {
			l->direct[l->nmonths] = PQgetvalue(r, 0, 0)[0] == 't';
			l->months[l->nmonths++] = m;
		}
		PQclear(r);
	}
	l->b->nneed = 0;
}

/* Whether the candles of month m go straight into mdx.candle_YYYYMM. */
static int
month_direct(const struct mdx_load *l, int32_t m)
{
	size_t j;

	for (j = 0; j < l->nmonths; j++)
		if (l->months[j] == m)
			return l->direct[j];
	return 0;
}

/* A decimal field that may be absent. */
static void
bin_dec(struct mdx_buf *b, const mdx_dec *d, int present)
{
	if (present)
		mdx_copy_bin_dec(b, d);
	else
		mdx_copy_bin_null(b);
}

/* The candle's COPY row, binary, in the order of CANDLE_COLS. */
static void
candle_row(struct mdx_buf *b, int64_t iid, const struct mdx_candle *c,
    int64_t run_id)
{
	mdx_copy_bin_row(b, CANDLE_NCOLS);
	mdx_copy_bin_int8(b, iid);
	mdx_copy_bin_text(b, c->interval->code, strlen(c->interval->code));
	mdx_copy_bin_time(b, c->open_time);
	mdx_copy_bin_dec(b, &c->open);
	mdx_copy_bin_dec(b, &c->high);
	mdx_copy_bin_dec(b, &c->low);
	mdx_copy_bin_dec(b, &c->close);
	bin_dec(b, &c->volume, c->has & MDX_C_VOLUME);
	bin_dec(b, &c->quote_volume, c->has & MDX_C_QUOTE_VOLUME);
	if (c->has & MDX_C_TRADES)
		mdx_copy_bin_int8(b, c->trades);
	else
		mdx_copy_bin_null(b);
	bin_dec(b, &c->taker_buy_volume, c->has & MDX_C_TAKER_BUY_VOLUME);
	bin_dec(b, &c->taker_buy_quote_volume,
	    c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME);
	mdx_copy_bin_bool(b, c->closed);
	mdx_copy_bin_text(b, mdx_origin_name(c->origin),
	    strlen(mdx_origin_name(c->origin)));
	if (c->has & MDX_C_BASE_COUNT) {
		mdx_copy_bin_int4(b, c->base_count);
		mdx_copy_bin_int4(b, c->base_expected);
	} else {
		mdx_copy_bin_null(b);
		mdx_copy_bin_null(b);
	}
	if (c->has & MDX_C_FETCHED_AT)
		mdx_copy_bin_time(b, c->fetched_at);
	else
		mdx_copy_bin_null(b);
	mdx_copy_bin_int8(b, run_id);
}

/* Widens the open_time range of the candle's series in the batch. */
static void
note_series(struct mdx_load *l, int64_t iid, const struct mdx_interval *iv,
    mdx_time t)
{
	struct series *r;
	size_t i;

	for (i = 0; i < l->b->nseries; i++) {
		r = &l->b->series[i];
		if (r->iid == iid && r->iv == iv) {
			if (t < r->lo)
				r->lo = t;
			if (t > r->hi)
				r->hi = t;
			return;
		}
	}
	if (l->b->nseries == SERIES_MAX) {
		l->b->manyseries = 1;
		return;
	}
	r = &l->b->series[l->b->nseries++];
	r->iid = iid;
	r->iv = iv;
	r->lo = r->hi = t;
}

static int add_candle(struct mdx_load *);

static int
load_candle(struct mdx_load *l, const struct mdx_json *obj, char *err,
    size_t errsz)
{
	char why[MDX_ERRSZ];

	if (mdx_candle_from_json(&l->cd, obj, why, sizeof(why)) != 0 ||
	    mdx_candle_check(&l->cd, why, sizeof(why)) != 0)
		return mdx_errf(err, errsz, "bad candle: %s", why);
	return add_candle(l);
}

/* Adds the checked candle l->cd to the batch. */
static int
add_candle(struct mdx_load *l)
{
	struct mdx_candle *c = &l->cd, a, b;
	struct entry *e;
	int64_t iid;
	uint64_t h;
	int32_t i;

	iid = instrument_id(l, c->exchange, c->market, c->symbol, c->price);
	h = entry_hash(iid, c->interval, c->open_time);
	for (i = l->b->bucket[h & l->mask]; i != -1; i = l->b->e[i].next) {
		e = &l->b->e[i];
		if (e->iid != iid || e->iv != c->interval ||
		    e->open_time != c->open_time)
			continue;
		l->n.duplicates++;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.closed = e->closed;
		a.fetched_at = e->fetched_at;
		a.has = e->has_fetched ? MDX_C_FETCHED_AT : 0;
		b.closed = c->closed;
		b.fetched_at = c->fetched_at;
		b.has = c->has & MDX_C_FETCHED_AT;
		if (!mdx_candle_supersedes(&b, &a))
			return 0;
		/* The newcomer replaces it: its line goes at the end. */
		e->off = l->b->copy.len;
		candle_row(&l->b->copy, iid, c, l->run_id);
		e->len = (uint32_t)(l->b->copy.len - e->off);
		e->closed = (uint8_t)c->closed;
		e->fetched_at = c->fetched_at;
		e->has_fetched = (c->has & MDX_C_FETCHED_AT) != 0;
		l->b->ndead++;
		return 0;
	}
	if (l->b->nneed == 0 || c->open_time < l->b->mlo ||
	    c->open_time >= l->b->mhi)
		need_month(l, c->open_time);
	e = &l->b->e[l->b->ne];
	e->month = l->b->mcur;
	e->iid = iid;
	e->iv = c->interval;
	e->open_time = c->open_time;
	e->fetched_at = c->fetched_at;
	e->has_fetched = (c->has & MDX_C_FETCHED_AT) != 0;
	e->closed = (uint8_t)c->closed;
	e->off = l->b->copy.len;
	candle_row(&l->b->copy, iid, c, l->run_id);
	e->len = (uint32_t)(l->b->copy.len - e->off);
	e->next = l->b->bucket[h & l->mask];
	l->b->bucket[h & l->mask] = (int32_t)l->b->ne;
	note_series(l, iid, c->interval, c->open_time);
	l->b->ne++;
	if (l->pend != NULL && ++l->tick % 64 == 0)
		pump(l);
	if (l->b->ne == l->batch)
		mdx_load_flush(l);
	return 0;
}

/* ------------------------------------------------------------------------
 * Depth snapshots.
 */

static int
load_depth(struct mdx_load *l, const struct mdx_json *obj, char *err,
    size_t errsz)
{
	struct mdx_depth d;
	int64_t iid;
	char why[MDX_ERRSZ];

	if (mdx_depth_from_json(&d, obj, why, sizeof(why)) != 0)
		return mdx_errf(err, errsz, "bad depth: %s", why);
	iid = instrument_id(l, d.exchange, d.market, d.symbol, MDX_PRICE_TRADE);
	mdx_buf_printf(&l->b->dcopy, "%zu\t%" PRId64 "\t", l->b->nd, iid);
	copy_time(&l->b->dcopy, d.time);
	mdx_buf_addch(&l->b->dcopy, '\t');
	mdx_buf_reset(&l->json);
	mdx_json_dump(d.bids, &l->json);
	mdx_copy_text(&l->b->dcopy, l->json.data, l->json.len);
	mdx_buf_addch(&l->b->dcopy, '\t');
	mdx_buf_reset(&l->json);
	mdx_json_dump(d.asks, &l->json);
	mdx_copy_text(&l->b->dcopy, l->json.data, l->json.len);
	if (d.has_update_id)
		mdx_buf_printf(&l->b->dcopy, "\t%" PRId64 "\n", d.update_id);
	else
		mdx_buf_add(&l->b->dcopy, "\t\\N\n", 4);
	l->b->nd++;
	l->n.depth++;
	if (l->b->nd >= l->batch)
		mdx_load_flush(l);
	return 0;
}

/* ------------------------------------------------------------------------
 * Funding events and open-interest samples.
 */

/* A COPY text field: the decimal, or \N when absent. */
static void
copy_dec(struct mdx_buf *b, const mdx_dec *d, int present)
{
	char db[MDX_DEC_BUFSZ];

	if (present)
		mdx_buf_add(b, db, (size_t)mdx_dec_format(d, db));
	else
		mdx_buf_add(b, "\\N", 2);
}

static void
copy_opt_time(struct mdx_buf *b, mdx_time t, int present)
{
	if (present)
		copy_time(b, t);
	else
		mdx_buf_add(b, "\\N", 2);
}

/* Widens the range [*lo, *hi] of n times to hold t. */
static void
widen(mdx_time *lo, mdx_time *hi, size_t n, mdx_time t)
{
	if (n == 0 || t < *lo)
		*lo = t;
	if (n == 0 || t > *hi)
		*hi = t;
}

static int
load_funding(struct mdx_load *l, const struct mdx_json *obj, char *err,
    size_t errsz)
{
	struct batch *b;
	struct mdx_funding f;
	int64_t iid;
	char why[MDX_ERRSZ];

	if (mdx_funding_from_json(&f, obj, why, sizeof(why)) != 0)
		return mdx_errf(err, errsz, "bad funding: %s", why);
	/* mdx.funding and its gaps count in fixed lengths. */
	if (f.interval != NULL && f.interval->ms <= 0)
		return mdx_errf(err, errsz, "bad funding: interval %s: not of "
		    "fixed length", f.interval->code);
	iid = instrument_id(l, f.exchange, f.market, f.symbol,
	    MDX_PRICE_TRADE);
	b = l->b;
	mdx_buf_printf(&b->fcopy, "%zu\t%" PRId64 "\t", b->nf, iid);
	copy_time(&b->fcopy, f.time);
	mdx_buf_addch(&b->fcopy, '\t');
	copy_dec(&b->fcopy, &f.rate, 1);
	mdx_buf_addch(&b->fcopy, '\t');
	if (f.interval != NULL)
		mdx_buf_addstr(&b->fcopy, f.interval->code);
	else
		mdx_buf_add(&b->fcopy, "\\N", 2);
	mdx_buf_addch(&b->fcopy, '\t');
	copy_dec(&b->fcopy, &f.mark_price, f.has_mark_price);
	mdx_buf_printf(&b->fcopy, "\t%s\t", mdx_origin_name(f.origin));
	copy_opt_time(&b->fcopy, f.fetched_at, f.has_fetched_at);
	mdx_buf_addch(&b->fcopy, '\n');
	widen(&b->flo, &b->fhi, b->nf, f.time);
	b->nf++;
	l->n.funding++;
	if (b->nf >= l->batch)
		mdx_load_flush(l);
	return 0;
}

static int
load_oi(struct mdx_load *l, const struct mdx_json *obj, char *err,
    size_t errsz)
{
	struct batch *b;
	struct mdx_oi o;
	int64_t iid;
	char why[MDX_ERRSZ];

	if (mdx_oi_from_json(&o, obj, why, sizeof(why)) != 0)
		return mdx_errf(err, errsz, "bad open_interest: %s", why);
	if (o.period->ms <= 0)
		return mdx_errf(err, errsz, "bad open_interest: period %s: not "
		    "of fixed length", o.period->code);
	iid = instrument_id(l, o.exchange, o.market, o.symbol,
	    MDX_PRICE_TRADE);
	b = l->b;
	mdx_buf_printf(&b->ocopy, "%zu\t%" PRId64 "\t%s\t", b->no, iid,
	    o.period->code);
	copy_time(&b->ocopy, o.time);
	mdx_buf_addch(&b->ocopy, '\t');
	copy_dec(&b->ocopy, &o.open_interest, 1);
	mdx_buf_addch(&b->ocopy, '\t');
	copy_dec(&b->ocopy, &o.value, o.has_value);
	mdx_buf_printf(&b->ocopy, "\t%s\t", mdx_origin_name(o.origin));
	copy_opt_time(&b->ocopy, o.fetched_at, o.has_fetched_at);
	mdx_buf_addch(&b->ocopy, '\n');
	widen(&b->olo, &b->ohi, b->no, o.time);
	b->no++;
	l->n.open_interest++;
	if (b->no >= l->batch)
		mdx_load_flush(l);
	return 0;
}

/*
 * Trades.
 */

static int
load_trade(struct mdx_load *l, const char *line, size_t len, char *err,
    size_t errsz)
{
	struct mdx_trade_rec t;
	struct batch *b = l->b;
	char why[MDX_ERRSZ], ex[MDX_NAME_MAX], mk[MDX_NAME_MAX];
	char sym[MDX_SYMBOL_MAX], tb[MDX_TIME_BUFSZ];
	int64_t iid;

	if (mdx_trade_scan(l->tscan, &t, line, len, why, sizeof(why)) != 0)
		return mdx_errf(err, errsz, "bad trade: %s", why);
	if (t.exchange_len >= sizeof(ex) || t.market_len >= sizeof(mk) ||
	    t.symbol_len >= sizeof(sym))
		return mdx_errf(err, errsz, "bad trade: a name too long");
	memcpy(ex, t.exchange, t.exchange_len);
	ex[t.exchange_len] = '\0';
	memcpy(mk, t.market, t.market_len);
	mk[t.market_len] = '\0';
	memcpy(sym, t.symbol, t.symbol_len);
	sym[t.symbol_len] = '\0';
	if (!mdx_code_valid(ex) || !mdx_code_valid(mk))
		return mdx_errf(err, errsz, "bad trade: bad exchange or market "
		    "code \"%s %s\"", ex, mk);
	iid = instrument_id(l, ex, mk, sym, MDX_PRICE_TRADE);
	mdx_buf_printf(&b->tcopy, "%zu\t%" PRId64 "\t", b->nt, iid);
	mdx_buf_add(&b->tcopy, tb,
	    (size_t)mdx_time_format_us(t.time * 1000 + t.usec, tb));
	mdx_buf_addch(&b->tcopy, '\t');
	mdx_copy_text(&b->tcopy, t.id, t.id_len);
	if (t.has_ids)
		mdx_buf_printf(&b->tcopy, "\t%" PRId64 "\t%" PRId64 "\t",
		    t.first_id, t.last_id);
	else
		mdx_buf_addstr(&b->tcopy, "\t\\N\t\\N\t");
	copy_dec(&b->tcopy, &t.price, 1);
	mdx_buf_addch(&b->tcopy, '\t');
	copy_dec(&b->tcopy, &t.quantity, 1);
	mdx_buf_addch(&b->tcopy, '\t');
	copy_dec(&b->tcopy, &t.quote_quantity, t.has_quote);
	mdx_buf_addstr(&b->tcopy, t.buy ? "\tbuy\t" : "\tsell\t");
	mdx_buf_addstr(&b->tcopy, t.archive ? "archive\t" : "exchange\t");
	if (t.has_fetched_at)
		copy_time(&b->tcopy, t.fetched_at);
	else
		mdx_buf_add(&b->tcopy, "\\N", 2);
	mdx_buf_addch(&b->tcopy, '\n');
	widen(&b->tlo, &b->thi, b->nt, t.time);
	b->nt++;
	l->n.trades++;
	if (b->nt >= l->batch)
		mdx_load_flush(l);
	return 0;
}

int
mdx_load_line(struct mdx_load *l, const char *line, size_t len, char *err,
    size_t errsz)
{
	const struct mdx_json *root, *kind;
	int r;

	l->n.read++;
	/*
	 * Candles and trades as mdx-transform writes them skip the JSON
	 * tree.  A candle the scanner refuses goes through the tree, which
	 * words the reason.
	 */
	if (len > 16 && memcmp(line, "{\"kind\":\"trade\",", 16) == 0)
		r = load_trade(l, line, len, err, errsz);
	else if (len > 17 && memcmp(line, "{\"kind\":\"candle\",", 17) == 0 &&
	    mdx_candle_scan(l->cscan, &l->cd, line, len, err, errsz) == 0)
		r = add_candle(l);
	else if ((root = mdx_json_parse(l->doc, line, len)) == NULL)
		r = mdx_errf(err, errsz, "bad record: not JSON: %s",
		    mdx_json_error(l->doc));
	else if (root->type != MDX_JSON_OBJECT ||
	    (kind = mdx_json_get(root, "kind")) == NULL)
		r = mdx_errf(err, errsz, "bad record: no \"kind\"");
	else if (mdx_json_str_eq(kind, "candle"))
		r = load_candle(l, root, err, errsz);
	else if (mdx_json_str_eq(kind, "depth"))
		r = load_depth(l, root, err, errsz);
	else if (mdx_json_str_eq(kind, "instrument"))
		r = load_instrument(l, root, err, errsz);
	else if (mdx_json_str_eq(kind, "funding"))
		r = load_funding(l, root, err, errsz);
	else if (mdx_json_str_eq(kind, "open_interest"))
		r = load_oi(l, root, err, errsz);
	else if (mdx_json_str_eq(kind, "trade"))
		r = load_trade(l, line, len, err, errsz);
	else
		r = mdx_errf(err, errsz, "bad record: \"kind\" is not candle, "
		    "depth, instrument, trade, funding or open_interest");
	if (r != 0)
		l->n.rejected++;
	return r;
}

void
mdx_load_reject(struct mdx_load *l)
{
	l->n.read++;
	l->n.rejected++;
}

/* ------------------------------------------------------------------------
 * Writing a batch.
 */

/* Whether a failed result is a unique violation (a concurrent writer). */
static int
unique_violation(const PGresult *r)
{
	const char *st;

	st = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return st != NULL && strcmp(st, "23505") == 0;
}

/*
 * Whether a failed COPY of new candles should be tried again through the
 * upsert: a unique violation (a concurrent writer), or a check violation,
 * which a row outside its partition's bounds raises (a partition made by
 * hand).  A candle that breaks a real constraint fails the upsert too.
 */
static int
soft_failure(const PGresult *r)
{
	const char *st;

	st = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return st != NULL && (strcmp(st, "23505") == 0 ||
	    strcmp(st, "23514") == 0);
}

/* Starts a COPY; a binary one (bin) gets its header. */
static void
copy_start(struct mdx_load *l, const char *sql, int bin)
{
	PQclear(check(l, PQexec(l->c, sql), "starting COPY"));
	if (bin && PQputCopyData(l->c, MDX_COPY_BIN_HEADER,
	    MDX_COPY_BIN_HEADER_LEN) != 1)
		die_db(l, NULL, "sending COPY data");
}

/* Ends a COPY; a binary one (bin) gets its trailer. */
static void
copy_end(struct mdx_load *l, int bin)
{
	if (bin && PQputCopyData(l->c, MDX_COPY_BIN_TRAILER,
	    MDX_COPY_BIN_TRAILER_LEN) != 1)
		die_db(l, NULL, "sending COPY data");
	if (PQputCopyEnd(l->c, NULL) != 1)
		die_db(l, NULL, "ending COPY");
}

/*
 * Sends one COPY stream of rows: the whole buffer, or, with entries, the
 * rows of the entries whose state is in the mask (bits 1 << ST_*); binary
 * rows (candles) when bin is set, else text lines.  The result is left
 * for copy_result().
 */
static void
copy_send(struct mdx_load *l, const char *sql, int bin, const char *data,
    size_t len, const struct entry *e, size_t ne, unsigned mask)
{
	size_t i, j, chunk;

	copy_start(l, sql, bin);
	if (e == NULL) {
		for (i = 0; i < len; i += chunk) {
			chunk = len - i < 1048576 ? len - i : 1048576;
			if (PQputCopyData(l->c, data + i, (int)chunk) != 1)
				die_db(l, NULL, "sending COPY data");
		}
	} else {
		for (i = 0; i < ne; i = j) {
			if ((mask & (1u << e[i].state)) == 0) {
				j = i + 1;
				continue;
			}
			chunk = e[i].len;
			for (j = i + 1; j < ne && chunk < COPY_MSG &&
			    (mask & (1u << e[j].state)) != 0 &&
			    e[j].off == e[i].off + chunk; j++)
				chunk += e[j].len;
			if (PQputCopyData(l->c, data + e[i].off,
			    (int)chunk) != 1)
				die_db(l, NULL, "sending COPY data");
		}
	}
	copy_end(l, bin);
}

/*
 * Waits for the result of a COPY.  Returns -1 after a unique violation
 * when soft is set (the caller rolls back and tries another way); any
 * other failure ends the program.
 */
static int
copy_result(struct mdx_load *l, int soft)
{
	PGresult *r;
	int ret = 0;

	r = PQgetResult(l->c);
	if (soft && r != NULL && PQresultStatus(r) == PGRES_FATAL_ERROR &&
	    soft_failure(r)) {
		PQclear(r);
		ret = -1;
	} else {
		check(l, r, "in COPY");
		PQclear(r);
	}
	while ((r = PQgetResult(l->c)) != NULL)
		PQclear(r);
	return ret;
}

static int
copy_in(struct mdx_load *l, const char *sql, int bin, const char *data,
    size_t len, const struct entry *e, size_t ne, unsigned mask, int soft)
{
	copy_send(l, sql, bin, data, len, e, ne, mask);
	return copy_result(l, soft);
}

/* Runs an upsert that returns (inserted, revised); with the run id as $1
 * when nparam is 1. */
static void
upsert_counts(struct mdx_load *l, const char *sql, int nparam,
    unsigned long *ins, unsigned long *rev, const char *what)
{
	const char *p[1] = { l->run_id_s };
	PGresult *r;

	r = execp(l, sql, nparam, p, what);
	*ins = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	*rev = strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
}

/* Field i (0-based) of a binary COPY row, without copying: its value, and
 * its length in *n (-1 for NULL). */
static const char *
field(const char *row, int i, int32_t *n)
{
	const unsigned char *p = (const unsigned char *)row + 2;

	for (;;) {
		*n = (int32_t)mdx_copy_bin_get(p, 4);
		p += 4;
		if (i-- == 0)
			return (const char *)p;
		if (*n > 0)
			p += *n;
	}
}

/*
 * Whether a stored value (binary, or NULL) and a COPY row's field are
 * equal: numerically for numerics, byte for byte otherwise.  Both sides
 * write a numeric's digits without leading or trailing zero digits, so
 * two equal numbers differ at most in their display scale (the 16 bits
 * after ndigits, weight and sign).
 */
static int
same_value(const PGresult *r, int row, int col, const char *f, int32_t n,
    int numeric)
{
	const char *v;
	int len;

	if (PQgetisnull(r, row, col))
		return n == -1;
	len = PQgetlength(r, row, col);
	if (n != len)
		return 0;
	v = PQgetvalue(r, row, col);
	if (!numeric)
		return memcmp(v, f, len) == 0;
	return len >= 8 && memcmp(v, f, 6) == 0 &&
	    memcmp(v + 8, f + 8, len - 8) == 0;
}

/*
 * Reads back the stored candles in the batch's ranges and sets the state
 * of each batch candle: new (not stored), same (nothing would change, or
 * the stored one wins: closed against open, or fetched later) or differs.
 * The rows come one at a time (single-row mode), so memory stays flat.
 * Returns the number that differ.
 */
static size_t
compare_stored(struct mdx_load *l, size_t *nsame)
{
	struct mdx_buf a[4] = { MDX_BUF_INIT, MDX_BUF_INIT, MDX_BUF_INIT,
	    MDX_BUF_INIT };
	static const int dec[13] = { 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0 };
	const struct mdx_interval *iv;
	char tb[MDX_TIME_BUFSZ], code[8];
	const char *p[4], *row, *f;
	struct entry *e;
	PGresult *r, *rest;
	size_t i, ndiff = 0;
	int64_t iid, t;
	int32_t j, n;
	int k, differs, done;

	for (i = 0; i < l->b->ne; i++)
		l->b->e[i].state = ST_NEW;
	*nsame = 0;
	for (k = 0; k < 4; k++)
		mdx_buf_addch(&a[k], '{');
	for (i = 0; i < l->b->nseries; i++) {
		if (i > 0)
			for (k = 0; k < 4; k++)
				mdx_buf_addch(&a[k], ',');
		mdx_buf_printf(&a[0], "%" PRId64, l->b->series[i].iid);
		mdx_buf_addstr(&a[1], l->b->series[i].iv->code);
		mdx_time_format(l->b->series[i].lo, tb);
		mdx_buf_addstr(&a[2], tb);
		mdx_time_format(l->b->series[i].hi, tb);
		mdx_buf_addstr(&a[3], tb);
	}
	for (k = 0; k < 4; k++) {
		mdx_buf_addch(&a[k], '}');
		p[k] = a[k].data;
	}
	if (!PQsendQueryParams(l->c, stored_sql, 4, NULL, p, NULL, NULL, 1) ||
	    !PQsetSingleRowMode(l->c))
		die_db(l, NULL, "reading stored candles");
	for (k = 0; k < 4; k++)
		mdx_buf_free(&a[k]);
	done = 0;
	while ((r = PQgetResult(l->c)) != NULL) {
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			PQclear(r);
			done = 1;
			continue;
		}
		if (PQresultStatus(r) != PGRES_SINGLE_TUPLE) {
			while ((rest = PQgetResult(l->c)) != NULL)
				PQclear(rest);
			die_db(l, r, "reading stored candles");
		}
		iid = (int64_t)mdx_copy_bin_get(PQgetvalue(r, 0,
		    0), 8);
		snprintf(code, sizeof(code), "%.*s", PQgetlength(r, 0, 1),
		    PQgetvalue(r, 0, 1));
		iv = mdx_interval_lookup(code);
		t = mdx_copy_bin_get_time(PQgetvalue(r, 0, 2));
		e = NULL;
		j = l->b->bucket[entry_hash(iid, iv, t) & l->mask];
		for (; j != -1; j = l->b->e[j].next)
			if (l->b->e[j].iid == iid && l->b->e[j].iv == iv &&
			    l->b->e[j].open_time == t) {
				e = &l->b->e[j];
				break;
			}
		if (e == NULL) {
			PQclear(r);
			continue;
		}
		row = l->b->copy.data + e->off;
		differs = 0;
		f = field(row, 3, &n);
		for (k = 0; k < 13 && !differs; k++) {
			if (!same_value(r, 0, 3 + k, f, n, dec[k]))
				differs = 1;
			f += n > 0 ? n : 0;
			n = (int32_t)mdx_copy_bin_get(f, 4);
			f += 4;
		}
		/* The stored one wins: closed against open, or fetched
		 * later. */
		if (differs && PQgetvalue(r, 0, 12)[0] == 1 && !e->closed)
			differs = 0;
		if (differs && e->has_fetched && !PQgetisnull(r, 0, 16) &&
		    e->fetched_at < mdx_copy_bin_get_time(PQgetvalue(r, 0, 16)))
			differs = 0;
		e->state = differs ? ST_DIFFERS : ST_SAME;
		if (differs)
			ndiff++;
		else
			(*nsame)++;
		PQclear(r);
	}
	if (!done)
		die_db(l, NULL, "reading stored candles");
	return ndiff;
}

static int
newrow_cmp(const void *a, const void *b)
{
	const struct newrow *x = a, *y = b;

	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	if (x->iid != y->iid)
		return x->iid < y->iid ? -1 : 1;
	if (x->iv != y->iv)
		return (uintptr_t)x->iv < (uintptr_t)y->iv ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return 0;
}

/*
 * Sends the COPY rows of the new candles nr[*i..n) of batch b, each run
 * of rows that lie next to each other in the batch buffer (all of them,
 * when the input was in order) as one CopyData message of up to
 * COPY_MSG bytes, until limit bytes are sent or the rows end; *i moves
 * past the rows sent.  The server takes a message at a time: a message
 * per row would cost it nearly as much as storing the row.
 */
static void
send_new_rows(struct mdx_load *l, const struct batch *b,
    const struct newrow *nr, size_t *i, size_t n, size_t limit)
{
	const struct entry *e;
	size_t off, len, sent = 0;

	while (*i < n && sent < limit) {
		e = &b->e[nr[*i].ix];
		off = e->off;
		len = e->len;
		for ((*i)++; *i < n && len < COPY_MSG; (*i)++) {
			e = &b->e[nr[*i].ix];
			if (e->off != off + len)
				break;
			len += e->len;
		}
		if (PQputCopyData(l->c, b->copy.data + off, (int)len) != 1)
			die_db(l, NULL, "sending COPY data");
		sent += len;
	}
}

/* Sends the COPY rows of the new candles nr[0..n). */
static void
copy_send_new(struct mdx_load *l, const char *sql, const struct newrow *nr,
    size_t n)
{
	size_t i = 0;

	copy_start(l, sql, 1);
	send_new_rows(l, l->b, nr, &i, n, SIZE_MAX);
	copy_end(l, 1);
}

/*
 * The change log lines of the new candles nr[0..n), all of one month: one
 * line per instrument, interval and hour, as mdx.log_candle_changes()
 * merges them (sql/064_change_log_per_instrument.sql).
 */
static void
log_lines(struct mdx_buf *b, const struct newrow *nr, size_t n)
{
	char tb[MDX_TIME_BUFSZ];
	int64_t hour;
	size_t i, j;

	for (i = 0; i < n; i = j) {
		hour = mdx_floordiv(nr[i].t, MDX_MS_HOUR);
		for (j = i + 1; j < n && nr[j].iid == nr[i].iid &&
		    nr[j].iv == nr[i].iv &&
		    mdx_floordiv(nr[j].t, MDX_MS_HOUR) == hour; j++)
			;
		mdx_buf_printf(b, "%" PRId64 "\t%s\t", nr[i].iid,
		    nr[i].iv->code);
		mdx_buf_add(b, tb, (size_t)mdx_time_format(nr[i].t, tb));
		mdx_buf_addch(b, '\t');
		mdx_buf_add(b, tb, (size_t)mdx_time_format(nr[j - 1].t, tb));
		mdx_buf_printf(b, "\t%zu\n", j - i);
	}
}

/*
 * Sends more rows of the COPY under way, as much as the connection takes
 * without waiting (the rows go 64 kB at a time).  Called as candles are
 * read, so the server works on one batch while the next is parsed: sent
 * all at once, a batch would fill the socket and the program would wait
 * until the server had taken in nearly all of it.
 */
static void
pump(struct mdx_load *l)
{
	struct pollfd pfd;

	while (l->pend != NULL && l->pend_i < l->pend_n) {
		pfd.fd = PQsocket(l->c);
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLOUT) == 0)
			return;
		send_new_rows(l, l->pend, l->nr, &l->pend_i, l->pend_n,
		    COPY_MSG);
	}
}

/* The COPY statement of the new candles of month m: into its partition,
 * or through mdx.candle when the month has none of the usual name. */
static void
copy_month(const struct mdx_load *l, char *sql, size_t sqlsz, int32_t m)
{
	char part[32];

	if (month_direct(l, m))
		partition_name(m, part, sizeof(part));
	else
		snprintf(part, sizeof(part), "mdx.candle");
	snprintf(sql, sqlsz, "COPY %s (" CANDLE_COLS ") FROM STDIN"
	    " (FORMAT binary)", part);
}

/*
 * Writes the new candles of the batch (state ST_NEW) with COPY straight
 * into their monthly partitions, and their entries of the change log
 * mdx.candle_change, in the same transaction: the program logs its own
 * changes (the session sets mdx.log to self, which the row triggers of
 * mdx.candle obey).  A month whose partition is not mdx.candle_YYYYMM goes
 * through mdx.candle.
 *
 * The log is written first and the COPY of the biggest month is left
 * under way when may_pend is set (returns 1; complete_pending() finishes
 * it).  Returns 0
 * when done, -1 when a COPY failed softly (see soft_failure()).
 */
static int
copy_new(struct mdx_load *l, int may_pend)
{
	struct newrow *nr = l->nr;
	struct entry *e;
	char sql[sizeof(CANDLE_COLS) + 96];
	size_t i, j, bi, bj, n = 0;
	int sorted = 1;

	for (i = 0; i < l->b->ne; i++) {
		e = &l->b->e[i];
		if (e->state != ST_NEW)
			continue;
		nr[n].month = e->month;
		nr[n].ix = (int32_t)i;
		nr[n].iid = e->iid;
		nr[n].iv = e->iv;
		nr[n].t = e->open_time;
		if (n > 0 && sorted && newrow_cmp(&nr[n - 1], &nr[n]) > 0)
			sorted = 0;
		n++;
	}
	if (!sorted)
		qsort(nr, n, sizeof(*nr), newrow_cmp);
	mdx_buf_reset(&l->log);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && nr[j].month == nr[i].month; j++)
			;
		log_lines(&l->log, nr + i, j - i);
	}
	if (l->log.len > 0) {
		copy_in(l, "COPY pg_temp.mdx_stage_change FROM STDIN", 0,
		    l->log.data, l->log.len, NULL, 0, M_ALL, 0);
		PQclear(check(l, PQexec(l->c, log_stage_sql),
		    "logging changes"));
	}
	/*
	 * The month with the most new candles is copied last, and left under
	 * way: the server takes it in while the next batch is read, and the
	 * fewer candles sent before it, the less the server waits for the
	 * reader afterwards.
	 */
	bi = bj = n;
	for (i = 0; may_pend && i < n; i = j) {
		for (j = i + 1; j < n && nr[j].month == nr[i].month; j++)
			;
		if (bi == n || j - i > bj - bi) {
			bi = i;
			bj = j;
		}
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && nr[j].month == nr[i].month; j++)
			;
		if (i == bi)
			continue;
		copy_month(l, sql, sizeof(sql), nr[i].month);
		copy_send_new(l, sql, nr + i, j - i);
		if (copy_result(l, 1) != 0)
			return -1;
	}
	if (bi < n) {
		copy_month(l, sql, sizeof(sql), nr[bi].month);
		copy_start(l, sql, 1);
		l->pend = l->b;
		l->pend_i = bi;
		l->pend_n = bj;
		pump(l);
		return 1;
	}
	return 0;
}

enum way { WAY_COMPARE, WAY_MERGE, WAY_UPSERT };


/* Merges the staged candles (see above; on Citus with the upsert): sets
 * the inserted and revised counts, or returns -1 after a unique
 * violation. */
static int
merge_staged(struct mdx_load *l, unsigned long *ins, unsigned long *rev)
{
	PGresult *r;

	if (l->citus) {
		upsert_counts(l, upsert_candle_sql, 0, ins, rev,
		    "writing candles");
		return 0;
	}
	PQclear(check(l, PQexec(l->c, nested_sql), "planning a batch"));
	r = PQexec(l->c, merge_candle_sql);
	if (r != NULL && PQresultStatus(r) == PGRES_FATAL_ERROR &&
	    unique_violation(r)) {
		PQclear(r);
		return -1;
	}
	check(l, r, "writing candles");
	*ins = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	*rev = strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return 0;
}

/*
 * The monthly partitions of mdx.funding and mdx.open_interest for the
 * batch's times, made outside the batch transaction like those of
 * mdx.candle.
 */
static void
series_partitions(struct mdx_load *l)
{
	char lo[MDX_TIME_BUFSZ], hi[MDX_TIME_BUFSZ];
	const char *p[3] = { NULL, lo, hi };

	if (l->b->nf > 0) {
		p[0] = "funding";
		mdx_time_format(l->b->flo, lo);
		mdx_time_format(l->b->fhi, hi);
		PQclear(execp(l, "SELECT mdx.ensure_series_partitions($1, $2,"
		    " $3)", 3, p, "creating funding partitions"));
	}
	if (l->b->no > 0) {
		p[0] = "open_interest";
		mdx_time_format(l->b->olo, lo);
		mdx_time_format(l->b->ohi, hi);
		PQclear(execp(l, "SELECT mdx.ensure_series_partitions($1, $2,"
		    " $3)", 3, p, "creating open-interest partitions"));
	}
}

/* Empties a batch for the next candles. */
static void
reset_batch(struct mdx_load *l, struct batch *b)
{
	size_t i;

	for (i = 0; i <= l->mask; i++)
		b->bucket[i] = -1;
	b->ne = 0;
	b->ndead = 0;
	b->nd = 0;
	b->nf = 0;
	b->no = 0;
	b->fins = b->frev = b->oins = b->orev = 0;
	mdx_buf_reset(&b->fcopy);
	mdx_buf_reset(&b->ocopy);
	b->nt = 0;
	b->nseries = 0;
	b->manyseries = 0;
	mdx_buf_reset(&b->copy);
	mdx_buf_reset(&b->dcopy);
	mdx_buf_reset(&b->tcopy);
}

/* Ends the batch's transaction: the counts go to the run row and are kept
 * only when the commit succeeds. */
static void
finish_batch(struct mdx_load *l, unsigned long ins, unsigned long rev,
    unsigned long dins, unsigned long drev, unsigned long tins,
    unsigned long trev)
{
	struct mdx_load_counts save;
	const char *p[2];
	PGresult *r;

	save = l->n;
	l->n.candles += l->b->ne;
	l->n.inserted += ins;
	l->n.revised += rev;
	l->n.unchanged += l->b->ne - ins - rev;
	l->n.depth_inserted += dins;
	l->n.depth_revised += drev;
	l->n.funding_inserted += l->b->fins;
	l->n.funding_revised += l->b->frev;
	l->n.oi_inserted += l->b->oins;
	l->n.oi_revised += l->b->orev;
	l->n.trades_inserted += tins;
	l->n.trades_revised += trev;
	l->n.batches++;
	counts_json(l, &l->json);
	p[0] = l->run_id_s;
	p[1] = l->json.data;
	PQclear(execp(l, "UPDATE mdx.run SET counts = $2::jsonb"
	    " WHERE run_id = $1", 2, p, "updating the run"));
	r = PQexec(l->c, "COMMIT");
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		l->n = save;
		die_db(l, r, "committing a batch");
	}
	PQclear(r);
}

/*
 * Writes the batch l->b in one transaction, the candles the given way (see
 * above).  Returns 0 when it is committed; 1 when its COPY is under way
 * (a batch of new candles only: the program goes on reading while the
 * server takes it in, and complete_pending() finishes it); -1, rolled
 * back, when a concurrent writer's key got in the way.
 */
static int
write_batch(struct mdx_load *l, enum way way)
{
	unsigned long ins = 0, rev = 0, dins = 0, drev = 0, tins = 0, trev = 0;
	size_t i, ndiff, nsame;
	char lo[MDX_TIME_BUFSZ], hi[MDX_TIME_BUFSZ];
	const char *p[2];

	PQclear(check(l, PQexec(l->c, "BEGIN"), "starting a batch"));
	if (l->b->ne > 0 && way == WAY_COMPARE) {
		ndiff = compare_stored(l, &nsame);
		if (ndiff == 0 && nsame < l->b->ne) {
			switch (copy_new(l, l->b->nd == 0 && l->b->nf == 0 &&
			    l->b->no == 0 && l->b->nt == 0)) {
			case 1:
				l->pend = l->b;
				l->pend_ins = l->b->ne - nsame;
				return 1;
			case -1:
				goto collided;
			}
			ins = l->b->ne - nsame;
		} else if (ndiff > 0) {
			copy_in(l, "COPY pg_temp.mdx_stage_candle FROM STDIN"
			    " (FORMAT binary)", 1, l->b->copy.data,
			    l->b->copy.len, l->b->e, l->b->ne, M_CHANGED, 0);
			if (merge_staged(l, &ins, &rev) != 0)
				goto collided;
		}
	} else if (l->b->ne > 0) {
		for (i = 0; i < l->b->ne; i++)
			l->b->e[i].state = ST_NEW;
		copy_in(l, "COPY pg_temp.mdx_stage_candle FROM STDIN"
		    " (FORMAT binary)", 1, l->b->copy.data, l->b->copy.len,
		    l->b->ndead > 0 ? l->b->e : NULL, l->b->ne, M_ALL, 0);
		if (way == WAY_MERGE) {
			if (merge_staged(l, &ins, &rev) != 0)
				goto collided;
		} else
			upsert_counts(l, upsert_candle_sql, 0, &ins, &rev,
			    "writing candles");
	}
	if (l->b->nd > 0) {
		copy_in(l, "COPY pg_temp.mdx_stage_depth FROM STDIN", 0,
		    l->b->dcopy.data, l->b->dcopy.len, NULL, 0, M_ALL, 0);
		upsert_counts(l, upsert_depth_sql, 1, &dins, &drev,
		    "writing depth snapshots");
	}
	if (l->b->nf > 0) {
		copy_in(l, "COPY pg_temp.mdx_stage_funding FROM STDIN", 0,
		    l->b->fcopy.data, l->b->fcopy.len, NULL, 0, M_ALL, 0);
		upsert_counts(l, upsert_funding_sql, 1, &l->b->fins,
		    &l->b->frev, "writing funding events");
	}
	if (l->b->no > 0) {
		copy_in(l, "COPY pg_temp.mdx_stage_oi FROM STDIN", 0,
		    l->b->ocopy.data, l->b->ocopy.len, NULL, 0, M_ALL, 0);
		upsert_counts(l, upsert_oi_sql, 1, &l->b->oins, &l->b->orev,
		    "writing open-interest samples");
	}
	if (l->b->nt > 0) {
		mdx_time_format(l->b->tlo, lo);
		mdx_time_format(l->b->thi, hi);
		p[0] = lo;
		p[1] = hi;
		PQclear(execp(l, "SELECT mdx.ensure_trade_partitions($1, $2)",
		    2, p, "creating trade partitions"));
		copy_in(l, "COPY pg_temp.mdx_stage_trade FROM STDIN", 0,
		    l->b->tcopy.data, l->b->tcopy.len, NULL, 0, M_ALL, 0);
		upsert_counts(l, upsert_trade_sql, 1, &tins, &trev,
		    "writing trades");
	}
	finish_batch(l, ins, rev, dins, drev, tins, trev);
	return 0;

collided:
	PQclear(check(l, PQexec(l->c, "ROLLBACK"), "rolling back a batch"));
	mdx_debug("batch met a concurrent writer's key; writing it again");
	return -1;
}

/*
 * write_batch(), written again after a deadlock or serialization failure
 * rolled it back, from try number first on; the program ends when the
 * last try fails too.
 */
static int
write_retrying(struct mdx_load *l, enum way way, int first)
{
	volatile int n = first;
	int r;

	if (setjmp(l->again) != 0) {
		if (++n > BATCH_TRIES) {
			mdx_load_finish(l, MDX_EX_TEMPFAIL, "batch deadlocked "
			    "with concurrent writers every time");
			mdx_die(MDX_EX_TEMPFAIL, "batch deadlocked with "
			    "concurrent writers %d times: giving up",
			    BATCH_TRIES);
		}
	}
	if (n > 1)
		batch_backoff(n);
	l->armed = 1;
	r = write_batch(l, way);
	l->armed = 0;
	return r;
}

/*
 * Finishes the batch whose COPY is under way, if any: waits for the
 * server, then commits, or, when a concurrent writer's key got in the
 * way, rolls back and writes it again with the upsert.  Called before
 * anything else is sent on the connection.
 */
static void
complete_pending(struct mdx_load *l)
{
	struct batch *cur;

	if (l->pend == NULL)
		return;
	cur = l->b;
	l->b = l->pend;
	send_new_rows(l, l->b, l->nr, &l->pend_i, l->pend_n, SIZE_MAX);
	l->pend = NULL;
	if (setjmp(l->again) == 0) {
		l->armed = 1;
		copy_end(l, 1);
		if (copy_result(l, 1) == 0) {
			finish_batch(l, l->pend_ins, 0, 0, 0, 0, 0);
			l->armed = 0;
			reset_batch(l, l->b);
			l->b = cur;
			return;
		}
		l->armed = 0;
		PQclear(check(l, PQexec(l->c, "ROLLBACK"),
		    "rolling back a batch"));
		mdx_debug("batch met a concurrent writer's key; writing it "
		    "again");
	}
	/* Rolled back: written again with the upsert. */
	if (write_retrying(l, WAY_UPSERT, 2) != 0)
		mdx_die(MDX_EX_FAIL, "cannot write a batch");
	reset_batch(l, l->b);
	l->b = cur;
}

void
mdx_load_flush(struct mdx_load *l)
{
	enum way way;
	int r;

	complete_pending(l);
	if (l->b->ne == 0 && l->b->nd == 0 && l->b->nf == 0 && l->b->no == 0 &&
	    l->b->nt == 0)
		return;
	series_partitions(l);
	way = WAY_MERGE;
	if (l->b->ne > 0) {
		ensure_partitions(l);
		if (!l->b->manyseries)
			way = WAY_COMPARE;
	}
	while ((r = write_retrying(l, way, 1)) < 0) {
		if (way == WAY_UPSERT)
			mdx_die(MDX_EX_FAIL, "cannot write a batch");
		way = WAY_UPSERT;
	}
	if (r == 1)
		l->b = l->b == &l->bat[0] ? &l->bat[1] : &l->bat[0];
	else
		reset_batch(l, l->b);
}

/*
 * Ends the run: its row gets the final counts, status and end time, and,
 * when it succeeded, the lake objects it loaded.  Called on failure too,
 * while the connection still works.
 */
void
mdx_load_finish(struct mdx_load *l, int status, const char *message)
{
	char st[16];
	const char *p[5];
	PGresult *r;

	if (l == NULL || l->run_id == 0 || l->finished ||
	    PQstatus(l->c) != CONNECTION_OK)
		return;
	l->finished = 1;
	complete_pending(l);
	counts_json(l, &l->json);
	snprintf(st, sizeof(st), "%d", status);
	p[0] = l->run_id_s;
	p[1] = status == 0 ? "ok" : "failed";
	p[2] = st;
	p[3] = message;
	p[4] = l->json.data;
	r = PQexecParams(l->c, "UPDATE mdx.run SET finished_at = now(),"
	    " status = $2, exit_status = $3, message = $4, counts = $5::jsonb"
	    " WHERE run_id = $1", 5, NULL, p, NULL, NULL, 0);
	PQclear(r);
}

void
mdx_load_objects(struct mdx_load *l, char *const *uris, int n)
{
	const char *p[2];
	PGresult *r;
	char oid[24];
	int i;

	for (i = 0; i < n; i++) {
		p[0] = uris[i];
		p[1] = l->run_id_s;
		r = execp(l, "INSERT INTO mdx.lake_object (uri, first_run_id,"
		    " last_run_id) VALUES ($1, $2, $2) ON CONFLICT (uri) DO"
		    " UPDATE SET last_run_id = excluded.last_run_id,"
		    " last_loaded_at = now() RETURNING object_id", 2, p,
		    "recording a lake object");
		snprintf(oid, sizeof(oid), "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		p[0] = l->run_id_s;
		p[1] = oid;
		PQclear(execp(l, "INSERT INTO mdx.run_lake_object (run_id,"
		    " object_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, p,
		    "recording a lake object"));
	}
}

void
mdx_load_free(struct mdx_load *l)
{
	struct inst *i, *next;
	size_t b;

	if (l == NULL)
		return;
	for (b = 0; b < INST_BUCKETS; b++)
		for (i = l->inst[b]; i != NULL; i = next) {
			next = i->next;
			free(i->key);
			free(i);
		}
	for (b = 0; b < 2; b++) {
		free(l->bat[b].e);
		free(l->bat[b].bucket);
		mdx_buf_free(&l->bat[b].copy);
		mdx_buf_free(&l->bat[b].dcopy);
		mdx_buf_free(&l->bat[b].fcopy);
		mdx_buf_free(&l->bat[b].ocopy);
		mdx_buf_free(&l->bat[b].tcopy);
	}
	free(l->nr);
	mdx_buf_free(&l->log);
	mdx_buf_free(&l->tmp);
	mdx_buf_free(&l->json);
	mdx_json_doc_free(l->doc);
	mdx_trade_scan_free(l->tscan);
	mdx_candle_scan_free(l->cscan);
	free(l);
}
