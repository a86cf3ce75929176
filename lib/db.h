/*
 * db.h - the warehouse connection.
 *
 * mdx_db_connect() connects with MDX_DB as a libpq conninfo string or URI
 * when set, else with libpq's own PG* variables and service files.  It sets
 * the session time zone to UTC and application_name to the program name.
 * When the server is down or unreachable it ends the program with a clear
 * message and MDX_EX_UNAVAILABLE, or MDX_EX_TEMPFAIL when the server said
 * it is starting up, shutting down or out of connections; authentication
 * and unknown databases exit MDX_EX_CONFIG.  The message keeps libpq's
 * whole first line, which names the host or socket path tried; passwords
 * never appear in it.
 */
#ifndef MDX_DB_H
#define MDX_DB_H

#include <stddef.h>

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

PGconn *mdx_db_connect(void);

/*
 * The same connection in two steps, for a program that wants a second
 * session at hand without waiting for the server to start it:
 * mdx_db_connect_start() sends the request and returns at once, and
 * mdx_db_connect_finish() waits for the session (honouring connect_timeout,
 * at least two seconds, as libpq does), sets the time zone to UTC and
 * returns c; a failure ends the program there, as in mdx_db_connect().
 */
PGconn *mdx_db_connect_start(void);
PGconn *mdx_db_connect_finish(PGconn *c);
void mdx_db_close(PGconn *c);

/*
 * The exit status for a failed command: MDX_EX_TEMPFAIL when the
 * connection was lost or the error is transient (SQLSTATE classes 08, 40,
 * 53, 57), MDX_EX_DATAERR for data exceptions (class 22, 23), else
 * MDX_EX_FAIL.  res may be NULL.  For an error without a SQLSTATE (one
 * libpq made, or none at all) it first reads what input c has, so that a
 * server gone away mid-command shows as a lost connection, which
 * PQstatus(c) then reports too.
 */
int mdx_db_error_status(PGconn *c, const PGresult *res);

/*
 * Copies the first line of msg, a message from libpq or the server (NULL
 * counts as empty), into out, which holds outsz bytes: the part worth
 * showing.  The "FATAL:  " or "ERROR:  " before it goes, and so does the
 * "connection to server ... failed: " before why a connection failed.  A
 * line longer than out holds is cut short.
 */
void mdx_db_first_line(const char *msg, char *out, size_t outsz);

/* Runs a command without parameters; on failure ends the program with the
 * server's message and mdx_db_error_status().  Returns the result (the
 * caller PQclear()s it). */
PGresult *mdx_db_exec(PGconn *c, const char *sql);
/* The same with text parameters ($1..$n); never paste data into SQL. */
PGresult *mdx_db_execp(PGconn *c, const char *sql, int n,
    const char *const *params);

/*
 * The schema version of the warehouse: the highest version in
 * mdx.schema_migrations, 0 when the schema does not exist yet.  A
 * warehouse at the newest version may still lack a lower-numbered
 * migration; mdx_db_check_schema compares the whole sets.
 */
int mdx_db_schema_version(PGconn *c);

/*
 * Called by every program before it writes: ends the program with
 * MDX_EX_CONFIG when a migration built into it is missing from
 * mdx.schema_migrations, whatever its number (the message names the first
 * missing one: run `mdx-load --migrate`), or when the warehouse has a
 * migration this build does not know (a newer mdx migrated it).
 */
void mdx_db_check_schema(PGconn *c);

/*
 * Applies every migration built into the program (sql/NNN_name.sql) that
 * mdx.schema_migrations lacks, in version order, each in its own
 * transaction, one statement at a time (Citus passes the whole text of a
 * multi-statement query to its workers for some commands, which they
 * refuse), recording each there; one numbered below the newest
 * applied is applied too, with a warning.  Refuses (MDX_EX_CONFIG) a
 * warehouse with a migration this build does not know.  Concurrent runs
 * are serialised with an advisory lock.  Returns the number applied.
 */
int mdx_db_migrate(PGconn *c);

/*
 * The length of the SQL statement at the start of sql: up to and including
 * its terminating semicolon, or to the end of the text when it has none.
 * Semicolons in quoted strings (E'' strings with their backslash escapes
 * included), quoted identifiers, dollar-quoted bodies ($$ and $tag$) and
 * comments (nested block comments included) do not end a statement.  The
 * migrations are run a statement at a time with it (see mdx_db_migrate()).
 */
size_t mdx_db_statement_len(const char *sql);

/*
 * A common table expression "lg" that logs candle changes: rel is a
 * relation (a CTE name, or a parenthesised query) of candle rows with the
 * columns instrument_id, interval and open_time, and lg hands them to
 * mdx.log_candle_changes() as one entry per instrument, interval and hour
 * (sql/064_change_log_per_instrument.sql).  A statement must read lg (for
 * example "(SELECT count(*) FROM lg)") for it to run.  The writers that
 * log their changes this way set mdx.log to self in their session, so
 * that the row triggers of mdx.candle leave those rows alone.
 */
#define MDX_DB_LOG_CTE(rel) \
    " lg AS (SELECT mdx.log_candle_changes(array_agg(g.i), array_agg(g.iv)," \
    " array_agg(g.f), array_agg(g.t), array_agg(g.n)) FROM (SELECT" \
    " w.instrument_id AS i, w.interval AS iv, min(w.open_time) AS f," \
    " max(w.open_time) AS t, count(*)::integer AS n FROM " rel " AS w" \
    " GROUP BY 1, 2, floor(extract(epoch FROM w.open_time) / 3600)) g)"

/*
 * The same entries as MDX_DB_LOG_CTE(rel), written by the statement itself
 * through common table expressions (lg_g, lg_h and lg) instead of
 * mdx.log_candle_changes(), whose two statements it repeats: a new session
 * then has no PL/pgSQL function to compile and plan, which costs more than
 * writing a hundred entries.  lg returns a row per entry written or
 * merged, and runs whether or not the statement reads it.  Not for Citus,
 * which plans data-modifying common table expressions over distributed
 * tables apart from the statement.
 */
#define MDX_DB_LOG_CTE_INLINE(rel) \
    " lg_g AS (SELECT w.instrument_id AS i, w.interval AS iv," \
    " to_timestamp(floor(extract(epoch FROM w.open_time) / 3600) * 3600)" \
    " AS hr, min(w.open_time) AS f, max(w.open_time) AS t," \
    " count(*)::integer AS n FROM " rel " AS w GROUP BY 1, 2, 3)," \
    " lg_h AS (INSERT INTO mdx.change_head AS h (instrument_id, seq, xid)" \
    " SELECT DISTINCT g.i, 1::bigint, txid_current() FROM lg_g g" \
    " ORDER BY 1 ON CONFLICT (instrument_id) DO UPDATE" \
    " SET seq = CASE WHEN h.xid = excluded.xid THEN h.seq" \
    " ELSE h.seq + 1 END, xid = excluded.xid" \
    " RETURNING h.instrument_id, h.seq)," \
    " lg AS (INSERT INTO mdx.candle_change AS c (instrument_id, seq," \
    " interval, hour, from_time, to_time, rows)" \
    " SELECT g.i, h.seq, g.iv, g.hr, g.f, g.t, g.n FROM lg_g g" \
    " JOIN lg_h h ON h.instrument_id = g.i" \
    " ON CONFLICT (instrument_id, seq, interval, hour) DO UPDATE" \
    " SET from_time = least(c.from_time, excluded.from_time)," \
    " to_time = greatest(c.to_time, excluded.to_time)," \
    " rows = c.rows + excluded.rows RETURNING 1)"

/* The migrations built in from sql/ by the Makefile. */
struct mdx_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct mdx_migration mdx_migrations[];
extern const int mdx_nmigrations;

/*
 * The schema version of the warehouse this build was made for.  The Makefile
 * defines it as the number of the newest migration in sql/, so a program
 * and the migrations it carries can never disagree.
 */
#ifndef MDX_SCHEMA_VERSION
#define MDX_SCHEMA_VERSION 0
#endif

#endif /* MDX_DB_H */
