#!/bin/sh
# db.t - lib/db.c against a private PostgreSQL cluster: a table created and
# read back through the library, exit statuses of connection failures, the
# schema version check.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

PGDB=$MDX_BUILD/tests/pg-db

# Before the server exists: nothing listens on this socket directory.
MDX_DB="host=$T/nowhere dbname=x" exits 69 "no server: exit 69" "$PGDB" connect
like "$(cat "$T/err")" "^pg-db: cannot connect to the warehouse: " \
    "no server: the message says so"
# The message keeps what libpq said about the target, as psql prints it
# (the socket path, the host), and never the password.
like "$(cat "$T/err")" "socket \"$T/nowhere/\.s\.PGSQL\.[0-9]*\"" \
    "no server: the message names the socket libpq tried"
# hidden CONNINFO STATUS TARGET WHAT: a failed connection with a password
# in CONNINFO exits STATUS, names TARGET (a regex) and hides the password.
hidden() {
	MDX_DB=$1 exits "$2" "$4: exit $2" "$PGDB" connect
	like "$(cat "$T/err")" "$3" "$4: the target is named"
	ok "! grep -q secret '$T/err'" "$4: the password is not shown"
}
# The connection in two steps (mdx-aggregate's second one) fails alike.
MDX_DB="host=$T/nowhere dbname=x password=secret" exits 69 \
    "no server, in two steps: exit 69" "$PGDB" connect2
like "$(cat "$T/err")" "^pg-db: cannot connect to the warehouse: .*$T/nowhere" \
    "no server, in two steps: the message names the socket"
ok "! grep -q secret '$T/err'" "no server, in two steps: no password shown"
MDX_DB="postgresql://user:secret@[::1/x" exits 78 \
    "a malformed URI, in two steps: exit 78" "$PGDB" connect2
# A server that takes the connection and never answers: the two steps
# give up after connect_timeout, as libpq does when it drives a connection.
node -e 'const s = require("net").createServer(() => {});
s.listen(0, "127.0.0.1", () => console.log(s.address().port));' \
    >"$T/mute.port" &
mute=$!
at_exit "kill $mute 2>/dev/null"
while [ ! -s "$T/mute.port" ]; do sleep 0.1; done
MDX_DB="host=127.0.0.1 port=$(cat "$T/mute.port") dbname=x connect_timeout=2 sslmode=disable" \
    exits 75 "a server that never answers, in two steps: exit 75" \
    "$PGDB" connect2
like "$(cat "$T/err")" "timeout expired after 2 s \(host \"127\.0\.0\.1\", port $(cat "$T/mute.port")\)" \
    "... after connect_timeout, naming the host and port"
kill $mute 2>/dev/null
hidden "host=$T/nowhere dbname=x password=secret" 69 "$T/nowhere" \
    "no server, password in conninfo"
hidden "postgresql://user:secret@/x?host=$T/nowhere" 69 "$T/nowhere" \
    "no server, password in a URI"
hidden "postgresql://user:secret@no-such-host.invalid/x" 69 \
    'no-such-host\.invalid' "unknown host in a URI"
hidden "postgresql://user:secret@[::1/x" 78 'in URI' \
    "a malformed URI, quoted by libpq"

pg_start

# The library's own TAP tests, run against the live server.
"$PGDB" | sed 's/^\(not \)\{0,1\}ok [0-9]*/&/' >"$T/tap"
while IFS= read -r l; do
	case $l in
	"ok "*) _tap_result 0 "lib: ${l#ok * - }" ;;
	"not ok "*) _tap_result 1 "lib: ${l#not ok * - }" ;;
	"#"*) echo "$l" ;;
	esac
done <"$T/tap"
ok "grep -q '^1\.\.' '$T/tap'" "lib tests ran to the end"

MDX_DB="host=$PGHOST dbname=no_such_db" exits 78 \
    "unknown database: exit 78" "$PGDB" connect
like "$(cat "$T/err")" 'no_such_db.*does not exist' "unknown database named"
MDX_DB="host=$PGHOST user=no_such_role" exits 78 \
    "unknown role: exit 78" "$PGDB" connect
MDX_DB="hots=$PGHOST" exits 78 "bad conninfo: exit 78" "$PGDB" connect
MDX_DB="dbname=mdx" exits 0 "MDX_DB conninfo combines with PG*" \
    "$PGDB" connect
MDX_DB="dbname=mdx" exits 0 "the same in two steps" "$PGDB" connect2
MDX_DB="host=$PGHOST dbname=no_such_db" exits 78 \
    "unknown database, in two steps: exit 78" "$PGDB" connect2
MDX_DB="postgresql:///mdx?host=$PGHOST" exits 0 "MDX_DB as a URI" \
    "$PGDB" connect

# Schema versions: the lib tests migrated to the built-in version.
exits 0 "schema check passes at the built-in version" "$PGDB" check
sql "INSERT INTO mdx.schema_migrations VALUES (999, '999_future')"
exits 78 "a newer warehouse: exit 78" "$PGDB" check
like "$(cat "$T/err")" "version 999, newer than" "a newer warehouse is named"
exits 78 "migrate refuses a newer warehouse" "$PGDB" migrate
sql "DELETE FROM mdx.schema_migrations WHERE version = 999"
sql "DROP SCHEMA mdx CASCADE"
if [ "$(sql "SELECT 1 FROM pg_namespace WHERE nspname = 'mdx'")" = "" ] &&
    grep -q ' mdx_nmigrations = [1-9]' "$MDX_BUILD/lib/migrations.c"; then
	exits 78 "an older warehouse: exit 78" "$PGDB" check
	like "$(cat "$T/err")" "run 'mdx-load --migrate'" \
	    "an older warehouse: the message says how to upgrade"
fi

# Concurrent migrations are serialised: both succeed, the total is right.
"$PGDB" migrate >"$T/m1" & p1=$!
"$PGDB" migrate >"$T/m2" & p2=$!
wait $p1; s1=$?; wait $p2; s2=$?
is "$s1$s2" "00" "two concurrent migrates both succeed"
n=$(grep -c . "$MDX_SRC"/sql/[0-9]*.sql 2>/dev/null | wc -l)
is "$(( $(cat "$T/m1") + $(cat "$T/m2") ))" "$n" \
    "concurrent migrates apply each migration once"

pg_stop
exits 69 "server stopped: exit 69" "$PGDB" connect

done_testing
