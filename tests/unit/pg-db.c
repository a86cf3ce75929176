/*
 * pg-db.c - tests of lib/db.c against a real PostgreSQL server.  Run by
 * tests/db.t, which starts a private cluster and exports PGHOST and such.
 *
 *	pg-db            TAP tests: connect, create a table, read it back,
 *	                 error statuses, migrations, schema version
 *	pg-db connect    connect and exit 0 (for exit-status tests)
 *	pg-db connect2   the same in two steps (mdx_db_connect_start/finish)
 *	pg-db check      mdx_db_check_schema and exit 0
 *	pg-db migrate    mdx_db_migrate, print the number applied
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "mdx.h"
#include "tap.h"

static int
count_rows(PGconn *c, const char *sql)
{
	PGresult *r;
	int n;

	r = mdx_db_exec(c, sql);
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

/*
 * Candle keys for the change log tests: two instruments, two intervals,
 * two hours, two candles in one hour.
 */
#define LOG_ROWS "(SELECT * FROM (VALUES (9001::bigint, '1h'::text, " \
    "timestamptz '2025-01-01 00:00+00'), (9001, '1h', '2025-01-01 01:00+00'), " \
    "(9001, '1m', '2025-01-01 00:05+00'), (9001, '1m', '2025-01-01 00:07+00'), " \
    "(9002, '1h', '2025-01-01 00:00+00')) AS v(instrument_id, interval, " \
    "open_time))"

/*
 * Logs LOG_ROWS with stmt twice in one transaction and once in the next,
 * and returns what the change log and its heads then hold, as text (the
 * caller frees it); the rows are deleted again.
 */
static char *
log_entries(PGconn *c, const char *stmt)
{
	PGresult *r;
	char *s;

	PQclear(mdx_db_exec(c, "BEGIN"));
	PQclear(mdx_db_exec(c, stmt));
	PQclear(mdx_db_exec(c, stmt));
	PQclear(mdx_db_exec(c, "COMMIT"));
	PQclear(mdx_db_exec(c, stmt));
	r = mdx_db_exec(c, "SELECT (SELECT count(*) FROM mdx.candle_change "
	    "WHERE instrument_id IN (9001, 9002)) || ': ' || "
	    "(SELECT string_agg(concat_ws(' ', instrument_id, seq, interval, "
	    "hour, from_time, to_time, rows), '; ' ORDER BY instrument_id, "
	    "seq, interval, hour) FROM mdx.candle_change "
	    "WHERE instrument_id IN (9001, 9002)) || ' / ' || "
	    "(SELECT string_agg(instrument_id || ' ' || seq, '; ' ORDER BY "
	    "instrument_id) FROM mdx.change_head "
	    "WHERE instrument_id IN (9001, 9002))");
	s = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQclear(mdx_db_exec(c, "DELETE FROM mdx.candle_change "
	    "WHERE instrument_id IN (9001, 9002)"));
	PQclear(mdx_db_exec(c, "DELETE FROM mdx.change_head "
	    "WHERE instrument_id IN (9001, 9002)"));
	return s;
}

/*
 * MDX_DB_LOG_CTE_INLINE writes what mdx.log_candle_changes() writes,
 * through MDX_DB_LOG_CTE: the same entries, numbers and merges.
 */
static void
log_cte_tests(PGconn *c)
{
	static const char want[] = "8: 9001 1 1h 2025-01-01 00:00:00+00 "
	    "2025-01-01 00:00:00+00 2025-01-01 00:00:00+00 2; ";
	char *fn, *in;

	fn = log_entries(c, "WITH " MDX_DB_LOG_CTE(LOG_ROWS)
	    " SELECT count(*) FROM lg");
	in = log_entries(c, "WITH " MDX_DB_LOG_CTE_INLINE(LOG_ROWS)
	    " SELECT count(*) FROM lg");
	ok(strncmp(fn, want, strlen(want)) == 0,
	    "the function logs 8 entries, merging a transaction's");
	if (strncmp(fn, want, strlen(want)) != 0)
		printf("# got: %s\n", fn);
	is_str(in, fn, "the inline log writes what the function writes");
	free(fn);
	free(in);
}

static void
tap_tests(void)
{
	const char *params[2];
	PGconn *c, *c2;
	PGresult *r;
	int n;

	c = mdx_db_connect();
	ok(c != NULL && PQstatus(c) == CONNECTION_OK, "connects through PG*");

	r = mdx_db_exec(c, "SHOW TimeZone");
	is_str(PQgetvalue(r, 0, 0), "UTC", "session time zone is UTC");
	PQclear(r);
	r = mdx_db_exec(c, "SELECT current_setting('application_name')");
	is_str(PQgetvalue(r, 0, 0), "pg-db", "application_name is the program");
	PQclear(r);

	PQclear(mdx_db_exec(c, "CREATE TABLE t_lib (sym text PRIMARY KEY, "
	    "px numeric NOT NULL)"));
	params[0] = "BTC'\"\\USDT\xc3\xa9";
	params[1] = "99999999999.99999999";
	PQclear(mdx_db_execp(c, "INSERT INTO t_lib VALUES ($1, $2)", 2,
	    params));
	params[0] = "ETHUSDT";
	params[1] = "1e-8";
	PQclear(mdx_db_execp(c, "INSERT INTO t_lib VALUES ($1, $2)", 2,
	    params));
	r = mdx_db_exec(c, "SELECT sym, px::text FROM t_lib ORDER BY px DESC");
	is_int(PQntuples(r), 2, "two rows read back");
	is_str(PQgetvalue(r, 0, 0), "BTC'\"\\USDT\xc3\xa9",
	    "hostile text round-trips through parameters");
	is_str(PQgetvalue(r, 0, 1), "99999999999.99999999",
	    "numeric keeps every digit");
	is_str(PQgetvalue(r, 1, 1), "0.00000001", "1e-8 stored exactly");
	PQclear(r);

	r = PQexec(c, "SELECT 1/0");
	is_int(mdx_db_error_status(c, r), MDX_EX_DATAERR,
	    "division by zero is a data error (65)");
	PQclear(r);
	r = PQexec(c, "INSERT INTO t_lib VALUES ('ETHUSDT', 1)");
	is_int(mdx_db_error_status(c, r), MDX_EX_DATAERR,
	    "unique violation is a data error (65)");
	PQclear(r);
	r = PQexec(c, "SELEC 1");
	is_int(mdx_db_error_status(c, r), MDX_EX_FAIL,
	    "syntax error is a plain failure (1)");
	PQclear(r);

	is_int(mdx_db_schema_version(c), 0, "no schema: version 0");
	n = mdx_db_migrate(c);
	is_int(n, mdx_nmigrations, "migrate applies every built-in migration");
	is_int(mdx_db_schema_version(c), MDX_SCHEMA_VERSION,
	    "schema version is the newest migration");
	is_int(count_rows(c, "SELECT count(*) FROM mdx.schema_migrations"),
	    mdx_nmigrations, "one schema_migrations row per migration");
	is_int(mdx_db_migrate(c), 0, "a second migrate applies nothing");
	log_cte_tests(c);

	c2 = mdx_db_connect_finish(mdx_db_connect_start());
	r = mdx_db_exec(c2, "SHOW TimeZone");
	is_str(PQgetvalue(r, 0, 0), "UTC",
	    "a connection in two steps has the time zone UTC");
	PQclear(r);
	mdx_db_close(c2);

	r = PQexec(c, "SELECT pg_terminate_backend(pg_backend_pid())");
	PQclear(r);
	r = PQexec(c, "SELECT 1");
	is_int(mdx_db_error_status(c, r), MDX_EX_TEMPFAIL,
	    "a lost connection is a temporary failure (75)");
	PQclear(r);
	mdx_db_close(c);
}

int
main(int argc, char *argv[])
{
	PGconn *c;

	mdx_init(argv[0]);
	if (argc > 1 && strcmp(argv[1], "connect") == 0) {
		mdx_db_close(mdx_db_connect());
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "connect2") == 0) {
		mdx_db_close(mdx_db_connect_finish(mdx_db_connect_start()));
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "check") == 0) {
		c = mdx_db_connect();
		mdx_db_check_schema(c);
		mdx_db_close(c);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "migrate") == 0) {
		c = mdx_db_connect();
		printf("%d\n", mdx_db_migrate(c));
		mdx_db_close(c);
		return 0;
	}
	tap_tests();
	return done_testing();
}
