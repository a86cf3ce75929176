/*
 * db.c - the warehouse connection: connect, classify failures into exit
 * statuses, run commands, check and migrate the schema.
 */
#include <sys/select.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "err.h"
#include "buf.h"
#include "db.h"

/* An arbitrary constant: the advisory lock that serialises migrations. */
#define MIGRATE_LOCK_KEY "74519823"

void
mdx_db_first_line(const char *msg, char *out, size_t outsz)
{
	const char *p;
	size_t n;

	if (msg == NULL)
		msg = "";
	if (strncmp(msg, "connection to server", 20) == 0 &&
	    (p = strstr(msg, "failed: ")) != NULL)
		msg = p + 8;
	if (strncmp(msg, "FATAL:  ", 8) == 0)
		msg += 8;
	else if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	n = strcspn(msg, "\n");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

/*
 * libpq reports connection failures as text only, so the exit status is
 * chosen by the message: a server that is starting, stopping or full may
 * accept a retry (75); bad credentials or names are configuration (78);
 * anything else means nobody answered (69).
 */
static int
connect_status(const char *msg)
{
	static const char *const temp[] = {
		"starting up", "shutting down", "too many clients",
		"in recovery mode", "remaining connection slots",
		"timeout expired", NULL
	};
	static const char *const config[] = {
		"authentication failed", "does not exist", "no pg_hba.conf",
		"invalid connection option", "missing \"=\"", "invalid URI",
		"in URI",
		"invalid integer value", "definition of service",
		"password", "invalid sslmode", "unrecognized", NULL
	};
	int i;

	for (i = 0; temp[i] != NULL; i++)
		if (strstr(msg, temp[i]) != NULL)
			return MDX_EX_TEMPFAIL;
	for (i = 0; config[i] != NULL; i++)
		if (strstr(msg, config[i]) != NULL)
			return MDX_EX_CONFIG;
	return MDX_EX_UNAVAILABLE;
}

/*
 * Replaces every occurrence of secret (when it is at least one byte) in
 * line by asterisks, in place.
 */
static void
hide(char *line, const char *secret)
{
	size_t n;
	char *p;

	if (secret == NULL || (n = strlen(secret)) == 0)
		return;
	for (p = line; (p = strstr(p, secret)) != NULL; p += n)
		memset(p, '*', n);
}

/*
 * Hides the password of a connection string in a message about it.
 * libpq's messages name the target (host, socket path, URI), and a
 * message that quotes a malformed connection string may quote its
 * password too.  The password is found by parsing the string; when it
 * does not parse, whatever follows "password=" or the colon of a URI's
 * "user:password@" is hidden instead.
 */
static void
hide_password(char *line, const char *ci)
{
	PQconninfoOption *o, *p;
	char *s, *e, *at;

	if ((o = PQconninfoParse(ci, NULL)) != NULL) {
		for (p = o; p->keyword != NULL; p++)
			if (strcmp(p->keyword, "password") == 0)
				hide(line, p->val);
		PQconninfoFree(o);
	}
	hide(line, getenv("PGPASSWORD"));
	for (s = line; (s = strstr(s, "password=")) != NULL; s = e) {
		s += 9;
		e = s + strcspn(s, " '\"&");
		memset(s, '*', e - s);
	}
	for (s = line; (s = strstr(s, "://")) != NULL; s = at) {
		s += 3;
		e = s + strcspn(s, "/?@ \"");
		if (*e != '@') {
			at = e;
			continue;
		}
		at = e + 1;
		if ((s = memchr(s, ':', e - s)) != NULL)
			memset(s + 1, '*', e - s - 1);
	}
}

/*
 * Ends the program with the reason connection c failed, as mdx_db_connect()
 * says it; ci is the conninfo string it was made from.
 */
static void
connect_failed(PGconn *c, const char *ci)
{
	char line[512];
	const char *m;
	size_t n;
	int st;

	/*
	 * libpq's whole first line, which names the host or the socket path
	 * it tried, as psql prints it.
	 */
	m = PQerrorMessage(c);
	mdx_db_first_line(m, line, sizeof(line));
	st = connect_status(line);
	n = strcspn(m, "\n");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, m, n);
	line[n] = '\0';
	hide_password(line, ci);
	PQfinish(c);
	mdx_die(st, "cannot connect to the warehouse: %s", line);
}

static const char *const connect_keys[] = { "dbname",
    "fallback_application_name", "client_encoding", NULL };

/* The values for connect_keys: MDX_DB, the program's name, UTF8. */
static void
connect_values(const char *vals[4])
{
	const char *ci = getenv("MDX_DB");

	vals[0] = ci != NULL ? ci : "";
	vals[1] = mdx_progname;
	vals[2] = "UTF8";
	vals[3] = NULL;
}

PGconn *
mdx_db_connect(void)
{
	const char *vals[4];
	PGconn *c;
	PGresult *r;

	connect_values(vals);
	c = PQconnectdbParams(connect_keys, vals, 1);
	if (c == NULL)
		mdx_die(MDX_EX_FAIL, "out of memory");
	if (PQstatus(c) != CONNECTION_OK)
		connect_failed(c, vals[0]);
	r = mdx_db_exec(c, "SET TIME ZONE 'UTC'");
	PQclear(r);
	return c;
}

/*
 * Waits until c can be read (want 'r') or written ('w'), or until the
 * deadline (a CLOCK_MONOTONIC second, 0 for none) has passed: then 0.
 */
static int
connect_wait(PGconn *c, int want, time_t deadline)
{
	struct timespec now;
	struct timeval tv, *tvp = NULL;
	fd_set fds;
	int fd = PQsocket(c), rc;

	if (fd < 0)
		return 1;
	do {
		if (deadline != 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec >= deadline)
				return 0;
			tv.tv_sec = deadline - now.tv_sec;
			tv.tv_usec = 0;
			tvp = &tv;
		}
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		rc = select(fd + 1, want == 'r' ? &fds : NULL,
		    want == 'w' ? &fds : NULL, NULL, tvp);
	} while (rc == -1 && errno == EINTR);
	return rc != 0;
}

/*
 * Drives the connection c with PQconnectPoll() until it is made or has
 * failed or, with early, until it waits for the server to answer: by then
 * the server is starting the session.  Returns the last poll's status.
 */
static PostgresPollingStatusType
connect_poll(PGconn *c, time_t deadline, int early)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	for (;;) {
		if (st == PGRES_POLLING_READING && early)
			return st;
		if (st == PGRES_POLLING_READING || st == PGRES_POLLING_WRITING)
			if (!connect_wait(c, st == PGRES_POLLING_READING ?
			    'r' : 'w', deadline))
				return PGRES_POLLING_FAILED;
		st = PQconnectPoll(c);
		if (st == PGRES_POLLING_OK || st == PGRES_POLLING_FAILED)
			return st;
	}
}

PGconn *
mdx_db_connect_start(void)
{
	const char *vals[4];
	PGconn *c;

	connect_values(vals);
	c = PQconnectStartParams(connect_keys, vals, 1);
	if (c == NULL)
		mdx_die(MDX_EX_FAIL, "out of memory");
	if (PQstatus(c) != CONNECTION_BAD)
		(void)connect_poll(c, 0, 1);
	return c;
}

/*
 * The connect_timeout of c in seconds (0 for none), which libpq applies
 * only when it drives the connection itself.
 */
static int
connect_timeout(PGconn *c)
{
	PQconninfoOption *o, *p;
	int t = 0;

	if ((o = PQconninfo(c)) == NULL)
		return 0;
	for (p = o; p->keyword != NULL; p++)
		if (strcmp(p->keyword, "connect_timeout") == 0 &&
		    p->val != NULL)
			t = atoi(p->val);
	PQconninfoFree(o);
	return t > 0 ? t : 0;
}

PGconn *
mdx_db_connect_finish(PGconn *c)
{
	const char *vals[4];
	struct timespec now;
	time_t deadline = 0;
	PGresult *r;
	char where[512];
	int t;

	connect_values(vals);
	if (PQstatus(c) != CONNECTION_BAD && PQstatus(c) != CONNECTION_OK) {
		if ((t = connect_timeout(c)) > 0) {
			t = t < 2 ? 2 : t;
			clock_gettime(CLOCK_MONOTONIC, &now);
			deadline = now.tv_sec + t;
		}
		if (connect_poll(c, deadline, 0) == PGRES_POLLING_FAILED &&
		    PQstatus(c) != CONNECTION_BAD) {
			snprintf(where, sizeof(where), "host \"%s\", port %s",
			    PQhost(c) != NULL ? PQhost(c) : "",
			    PQport(c) != NULL ? PQport(c) : "");
			PQfinish(c);
			mdx_die(MDX_EX_TEMPFAIL, "cannot connect to the "
			    "warehouse: timeout expired after %d s (%s)", t,
			    where);
		}
	}
	if (PQstatus(c) != CONNECTION_OK)
		connect_failed(c, vals[0]);
	r = mdx_db_exec(c, "SET TIME ZONE 'UTC'");
	PQclear(r);
	return c;
}

void
mdx_db_close(PGconn *c)
{
	if (c != NULL)
		PQfinish(c);
}

/*
 * An error libpq made itself (no SQLSTATE) may be the first sign of a
 * server that went away: writing COPY data to a closed socket fails with
 * "server closed the connection unexpectedly" while the connection still
 * counts as good, until something reads the end of the stream.  Reading
 * what is there settles it; on a live connection it only buffers input
 * the caller reads anyway.
 */
int
mdx_db_error_status(PGconn *c, const PGresult *res)
{
	const char *st;

	if (c != NULL && PQstatus(c) == CONNECTION_OK && (res == NULL ||
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) == NULL))
		(void)PQconsumeInput(c);
	if (c != NULL && PQstatus(c) == CONNECTION_BAD)
		return MDX_EX_TEMPFAIL;
	if (res == NULL)
		return MDX_EX_FAIL;
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (st == NULL || strlen(st) < 2)
		return MDX_EX_FAIL;
	if (strncmp(st, "08", 2) == 0 || strncmp(st, "40", 2) == 0 ||
	    strncmp(st, "53", 2) == 0 || strncmp(st, "57", 2) == 0)
		return MDX_EX_TEMPFAIL;
	if (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0)
		return MDX_EX_DATAERR;
	return MDX_EX_FAIL;
}

static PGresult *
check(PGconn *c, PGresult *r)
{
	char line[512];
	int st;

	if (r != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
		case PGRES_EMPTY_QUERY:
			return r;
		default:
			break;
		}
		mdx_db_first_line(PQresultErrorMessage(r), line, sizeof(line));
	} else
		mdx_db_first_line(PQerrorMessage(c), line, sizeof(line));
	st = mdx_db_error_status(c, r);
	if (PQstatus(c) == CONNECTION_BAD)
		mdx_die(st, "lost the connection to the warehouse: %s", line);
	mdx_die(st, "warehouse error: %s", line);
}

PGresult *
mdx_db_exec(PGconn *c, const char *sql)
{
	return check(c, PQexec(c, sql));
}

PGresult *
mdx_db_execp(PGconn *c, const char *sql, int n, const char *const *params)
{
	return check(c, PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0));
}

size_t
mdx_db_statement_len(const char *sql)
{
	const char *p = sql, *tag, *e;
	size_t taglen;
	int depth, esc;

	while (*p != '\0') {
		if (*p == ';')
			return (size_t)(p - sql) + 1;
		if (*p == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (*p == '/' && p[1] == '*') {
			for (depth = 1, p += 2; *p != '\0' && depth > 0; p++) {
				if (*p == '/' && p[1] == '*') {
					depth++;
					p++;
				} else if (*p == '*' && p[1] == '/') {
					depth--;
					p++;
				}
			}
		} else if (*p == '\'' || *p == '"') {
			esc = *p == '\'' && p > sql && (p[-1] == 'E' ||
			    p[-1] == 'e') && (p - 1 == sql ||
			    !(isalnum((unsigned char)p[-2]) || p[-2] == '_'));
			for (e = p + 1; *e != '\0'; e++) {
				if (esc && *e == '\\' && e[1] != '\0')
					e++;
				else if (*e == *p && e[1] == *p)
					e++;
				else if (*e == *p)
					break;
			}
			p = *e != '\0' ? e + 1 : e;
		} else if (*p == '$' && (p == sql ||
		    !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))) {
			for (e = p + 1; isalnum((unsigned char)*e) || *e == '_';
			    e++)
				;
			if (*e != '$' || isdigit((unsigned char)p[1])) {
				p++;
				continue;
			}
			tag = p;
			taglen = (size_t)(e - p) + 1;
			for (p = e + 1; *p != '\0' &&
			    strncmp(p, tag, taglen) != 0; p++)
				;
			if (*p != '\0')
				p += taglen;
		} else
			p++;
	}
	return (size_t)(p - sql);
}

/*
 * Runs a script of SQL statements one statement at a time, in the
 * caller's transaction, and returns the result of the first that fails
 * (NULL when all succeed).  A multi-statement query would do the same on
 * PostgreSQL, but Citus passes such a query's whole text to the workers
 * for some commands (ALTER TABLE ... ADD CONSTRAINT on a distributed
 * table), which they refuse.
 */
static PGresult *
exec_script(PGconn *c, const char *sql, struct mdx_buf *stmt)
{
	PGresult *r;
	const char *p;
	size_t n;

	for (p = sql; *p != '\0'; p += n) {
		n = mdx_db_statement_len(p);
		mdx_buf_reset(stmt);
		mdx_buf_add(stmt, p, n);
		if (strspn(stmt->data, " \t\r\n;") == stmt->len)
			continue;
		r = PQexec(c, stmt->data);
		if (r == NULL || (PQresultStatus(r) != PGRES_COMMAND_OK &&
		    PQresultStatus(r) != PGRES_TUPLES_OK))
			return r != NULL ? r : PQmakeEmptyPGresult(c,
			    PGRES_FATAL_ERROR);
		PQclear(r);
	}
	return NULL;
}

int
mdx_db_schema_version(PGconn *c)
{
	PGresult *r;
	int v;

	r = mdx_db_exec(c, "SELECT CASE WHEN to_regclass("
	    "'mdx.schema_migrations') IS NULL THEN 0 ELSE -1 END");
	v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (v == 0)
		return 0;
	r = mdx_db_exec(c, "SELECT coalesce(max(version), 0) "
	    "FROM mdx.schema_migrations");
	v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/*
 * The migrations applied to the warehouse (version, name), in version
 * order; NULL when it has no schema_migrations table yet.
 */
static PGresult *
applied_migrations(PGconn *c)
{
	PGresult *r;
	int have;

	r = mdx_db_exec(c, "SELECT to_regclass('mdx.schema_migrations') "
	    "IS NOT NULL");
	have = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!have)
		return NULL;
	return mdx_db_exec(c, "SELECT version, name "
	    "FROM mdx.schema_migrations ORDER BY version");
}

/* The highest applied version, 0 when none. */
static int
applied_max(const PGresult *r)
{
	if (r == NULL || PQntuples(r) == 0)
		return 0;
	return atoi(PQgetvalue(r, PQntuples(r) - 1, 0));
}

static int
is_applied(const PGresult *r, int version)
{
	int i;

	if (r == NULL)
		return 0;
	for (i = 0; i < PQntuples(r); i++)
		if (atoi(PQgetvalue(r, i, 0)) == version)
			return 1;
	return 0;
}

static int
is_builtin(int version)
{
	const struct mdx_migration *m;

	for (m = mdx_migrations; m->name != NULL; m++)
		if (m->version == version)
			return 1;
	return 0;
}

/*
 * Ends the program when the warehouse has a migration this build does not
 * carry: a newer mdx migrated it, and neither checking nor migrating with
 * an older set of migrations can make this build fit its schema.
 */
static void
refuse_unknown(PGresult *r)
{
	char name[256];
	int i, max;

	max = applied_max(r);
	if (max > MDX_SCHEMA_VERSION) {
		PQclear(r);
		mdx_die(MDX_EX_CONFIG, "the warehouse schema is at version %d, "
		    "newer than version %d of this mdx: upgrade mdx", max,
		    MDX_SCHEMA_VERSION);
	}
	for (i = 0; r != NULL && i < PQntuples(r); i++) {
		if (is_builtin(atoi(PQgetvalue(r, i, 0))))
			continue;
		snprintf(name, sizeof(name), "%s", PQgetvalue(r, i, 1));
		PQclear(r);
		mdx_die(MDX_EX_CONFIG, "the warehouse has migration '%s', "
		    "which version %d of this mdx does not know: upgrade mdx",
		    name, MDX_SCHEMA_VERSION);
	}
}

/*
 * Migration numbers were once given by area, so a warehouse at the newest
 * version may still lack a lower-numbered migration: the check compares
 * the whole set of applied migrations with the built-in one, not maxima.
 */
void
mdx_db_check_schema(PGconn *c)
{
	const struct mdx_migration *m;
	PGresult *r;
	int cur;

	r = applied_migrations(c);
	refuse_unknown(r);
	cur = applied_max(r);
	for (m = mdx_migrations; m->name != NULL; m++) {
		if (is_applied(r, m->version))
			continue;
		PQclear(r);
		if (m->version > cur)
			mdx_die(MDX_EX_CONFIG, "the warehouse schema is at "
			    "version %d but this mdx needs version %d, from "
			    "migration '%s' on: run 'mdx-load --migrate'", cur,
			    MDX_SCHEMA_VERSION, m->name);
		mdx_die(MDX_EX_CONFIG, "the warehouse schema is at version %d "
		    "but lacks migration '%s': run 'mdx-load --migrate'", cur,
		    m->name);
	}
	PQclear(r);
}

int
mdx_db_migrate(PGconn *c)
{
	const struct mdx_migration *m;
	struct mdx_buf stmt = MDX_BUF_INIT;
	char ver[16], line[512], curname[256];
	const char *params[2];
	PGresult *done, *r;
	int applied, cur;

	PQclear(mdx_db_exec(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY
	    ")"));
	PQclear(mdx_db_exec(c, "SET client_min_messages TO warning"));
	/*
	 * On Citus, a migration that changes a distributed table (on all its
	 * shards at once, over many connections) and then creates a function
	 * (which Citus propagates over one connection per node) fails unless
	 * the shards are changed one connection at a time.
	 */
	PQclear(mdx_db_exec(c, "SELECT set_config("
	    "'citus.multi_shard_modify_mode', 'sequential', false)"
	    " FROM pg_extension WHERE extname = 'citus'"));
	PQclear(mdx_db_exec(c,
	    "CREATE SCHEMA IF NOT EXISTS mdx;"
	    "COMMENT ON SCHEMA mdx IS 'The mdx market-data warehouse.';"
	    "CREATE TABLE IF NOT EXISTS mdx.schema_migrations ("
	    " version integer PRIMARY KEY,"
	    " name text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now());"
	    "COMMENT ON TABLE mdx.schema_migrations IS "
	    " 'The migrations applied to this warehouse; the highest version "
	    "is the schema version.';"
	    "COMMENT ON COLUMN mdx.schema_migrations.version IS "
	    " 'The migration number, NNN of sql/NNN_name.sql.';"
	    "COMMENT ON COLUMN mdx.schema_migrations.name IS "
	    " 'The migration file name without .sql.';"
	    "COMMENT ON COLUMN mdx.schema_migrations.applied_at IS "
	    " 'When the migration was applied.';"));
	done = applied_migrations(c);
	refuse_unknown(done);
	cur = applied_max(done);
	curname[0] = '\0';
	if (cur > 0)
		snprintf(curname, sizeof(curname), "%s",
		    PQgetvalue(done, PQntuples(done) - 1, 1));
	/*
	 * Every built-in migration the warehouse lacks is applied, whatever
	 * its number: one numbered below the newest applied (from the days
	 * of numbering by area) would otherwise be skipped for good.  The
	 * Makefile hands lib/gen-migrations.sh the files sorted by their
	 * three-digit number, so mdx_migrations is in version order.
	 */
	applied = 0;
	for (m = mdx_migrations; m->name != NULL; m++) {
		if (is_applied(done, m->version))
			continue;
		if (m->version < cur)
			mdx_warn("applying migration '%s' out of order: the "
			    "warehouse already has '%s'", m->name, curname);
		PQclear(mdx_db_exec(c, "BEGIN"));
		if ((r = exec_script(c, m->sql, &stmt)) != NULL) {
			mdx_db_first_line(PQresultErrorMessage(r)[0] != '\0' ?
			    PQresultErrorMessage(r) : PQerrorMessage(c), line,
			    sizeof(line));
			mdx_die(mdx_db_error_status(c, r),
			    "migration '%s' failed: %s", m->name, line);
		}
		snprintf(ver, sizeof(ver), "%d", m->version);
		params[0] = ver;
		params[1] = m->name;
		PQclear(mdx_db_execp(c, "INSERT INTO mdx.schema_migrations "
		    "(version, name) VALUES ($1, $2)", 2, params));
		PQclear(mdx_db_exec(c, "COMMIT"));
		mdx_debug("applied migration %s", m->name);
		applied++;
	}
	PQclear(done);
	mdx_buf_free(&stmt);
	/*
	 * On a Citus coordinator, the tables the migrations created are
	 * distributed (sql/065_citus.sql); elsewhere the function does
	 * nothing.  It is asked for by name: a warehouse migrated by an
	 * older mdx may lack it.
	 */
	if (applied > 0) {
		r = mdx_db_exec(c, "SELECT to_regprocedure("
		    "'mdx.citus_distribute()') IS NOT NULL");
		if (PQgetvalue(r, 0, 0)[0] == 't')
			PQclear(mdx_db_exec(c, "BEGIN; SELECT "
			    "mdx.citus_distribute(); COMMIT"));
		PQclear(r);
	}
	PQclear(mdx_db_exec(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY
	    ")"));
	return applied;
}
