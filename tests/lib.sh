# lib.sh - shared helpers for the TAP test scripts (sourced, POSIX sh).
#
#	. "$MDX_SRC/tests/lib.sh"
#	plan 3
#	ok 'true' "true is true"
#	is "$(echo a)" "a" "echo works"
#	pg_start	# private PostgreSQL cluster; PGHOST etc. exported
#	s3_start	# s3rver on loopback, signatures checked; MDX_S3_ENDPOINT
#			# etc. exported; s3_front for another region or token
#	mock_start	# the mock exchange; MDX_BINANCE_URL etc. exported
#	mock_fault '{"type":"500","count":1}'	# and mock_post, mock_clear,
#			# mock_reset, mock_stats: its control endpoints
#
# Everything started here is stopped by an EXIT trap, also when a test fails
# or is interrupted.  Programs are found on PATH (tests/run.sh puts the
# build directory first); MDX_SRC is the source tree.

: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH="$MDX_BUILD:$PATH"
export MDX_SRC MDX_BUILD PATH
unset MDX_DB MDX_LAKE MDX_VERBOSE MDX_NOW

_tap_n=0
_tap_failed=0
_cleanup_cmds=""

# A private scratch directory, removed at exit.
T=$(mktemp -d "${TMPDIR:-/tmp}/mdx-test.XXXXXX")
chmod 755 "$T"

_run_cleanup() {
	_st=$?
	# Under set -e (bench/), a stopped server's wait status (143) would
	# end the cleanup there, with that status.
	set +e
	eval "$_cleanup_cmds"
	rm -rf "$T"
	exit "$_st"
}
trap _run_cleanup EXIT
trap 'exit 130' INT TERM HUP

# at_exit CMD: run CMD at exit, most recent first.
at_exit() {
	_cleanup_cmds="$1
$_cleanup_cmds"
}

plan() { echo "1..$1"; }
# done_testing: print the plan at the end instead of planning ahead.
done_testing() { echo "1..$_tap_n"; }

_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $2"
	fi
}

# ok CMD NAME: passes when the shell command CMD succeeds.
ok() {
	( eval "$1" ) >/dev/null 2>&1
	_tap_result $? "$2"
}

# is GOT WANT NAME: passes when the two strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | sed '3,$s/^/#   /'
	fi
}

# isnt GOT UNWANTED NAME
isnt() {
	if [ "$1" != "$2" ]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; printf '#   got: %s\n' "$1"; fi
}

# like GOT REGEX NAME: passes when GOT matches the extended regex.
like() {
	if printf '%s\n' "$1" | grep -E -q -- "$2"; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		printf '#   got:  %s\n#   want match: %s\n' "$1" "$2"
	fi
}

# exits STATUS NAME CMD...: runs CMD (a command, not a string), passes when
# its exit status is STATUS.  Its stdout and stderr are kept in $T/out and
# $T/err for later checks.
exits() {
	_want=$1 _name=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		_tap_result 0 "$_name"
	else
		_tap_result 1 "$_name"
		echo "#   exit status $_got, want $_want"
		sed 's/^/#   stderr: /' "$T/err" | head -5
	fi
}

# files_eq A B NAME: passes when the files are byte for byte equal.
files_eq() {
	if cmp -s "$1" "$2"; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diff "$1" "$2" | head -10 | sed 's/^/#   /'
	fi
}

diag() { echo "# $*"; }

# skip_all REASON: the whole script is skipped (counted as skipped, never
# as passed).
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# bail REASON: stop with a failure.
bail() { echo "Bail out! $*"; exit 1; }

# free_port: a free TCP port on loopback.
free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# _wait_port PORT LOG NAME: wait until a server listens on loopback PORT
# (10 s at most); if none does, show LOG and bail, saying NAME did not
# start.
_wait_port() {
	_i=0
	until node -e 'require("net").connect(+process.argv[1],"127.0.0.1").on("connect",()=>process.exit(0)).on("error",()=>process.exit(1))' "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && { cat "$2"; bail "$3 did not start"; }
		sleep 0.1
	done
}

# ------------------------------------------------------------------------
# PostgreSQL: a private cluster in $T/pg, Unix socket only, trust auth,
# superuser "mdx", database "mdx".  As root the server runs as the postgres
# user through runuser.  Exports PGHOST PGPORT PGUSER PGDATABASE and
# MDX_PGDATA; pg_stop is called at exit.

PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	[ -x "$PG_BINDIR/initdb" ] || bail "PostgreSQL server binaries not found (run make deps)"
	MDX_PGDATA=$T/pg/data
	_pgsock=$T/pg/sock
	mkdir -p "$MDX_PGDATA" "$_pgsock"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres:postgres "$T/pg"
	fi
	_pg_as "$PG_BINDIR/initdb" -D "$MDX_PGDATA" -U mdx -A trust -E UTF8 \
	    --locale=C.UTF-8 >"$T/pg/initdb.log" 2>&1 ||
	    { cat "$T/pg/initdb.log"; bail "initdb failed"; }
	_pg_as "$PG_BINDIR/pg_ctl" -D "$MDX_PGDATA" -l "$T/pg/server.log" -w \
	    -o "-k $_pgsock -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
	    start >/dev/null 2>&1 ||
	    { cat "$T/pg/server.log"; bail "pg_ctl start failed"; }
	at_exit pg_stop
	PGHOST=$_pgsock PGPORT=5432 PGUSER=mdx PGDATABASE=mdx
	export PGHOST PGPORT PGUSER PGDATABASE MDX_PGDATA
	"$PG_BINDIR/createdb" mdx || bail "createdb failed"
}

pg_stop() {
	[ -n "${MDX_PGDATA:-}" ] && [ -f "$MDX_PGDATA/postmaster.pid" ] &&
	    _pg_as "$PG_BINDIR/pg_ctl" -D "$MDX_PGDATA" -m immediate stop \
	    >/dev/null 2>&1
	return 0
}

# pg_kill: stop the server at once (for tests of a server going away).
pg_kill() { pg_stop; }

# pg_restart: start the stopped cluster again.
pg_restart() {
	_pg_as "$PG_BINDIR/pg_ctl" -D "$MDX_PGDATA" -l "$T/pg/server.log" -w \
	    -o "-k $PGHOST -c listen_addresses='' -c fsync=off" start >/dev/null 2>&1
}

# sql QUERY: run QUERY with psql, unaligned, tuples only.
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

# sql_wait_lock APP: SQL (a DO block) that returns once a session of
# application APP waits for a lock, or after 60 s.
sql_wait_lock() {
	echo "DO \$\$ DECLARE i int := 0; BEGIN
	    WHILE i < 1200 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity
		WHERE application_name = '$1' AND wait_event_type = 'Lock')
	    LOOP PERFORM pg_sleep(0.05); PERFORM pg_stat_clear_snapshot();
		i := i + 1; END LOOP; END \$\$;"
}

# wait_line FILE TEXT: returns once FILE holds TEXT, or after 60 s.
wait_line() {
	_wl=0
	until grep -q "$2" "$1" 2>/dev/null || [ $_wl -gt 600 ]; do
		sleep 0.1
		_wl=$((_wl + 1))
	done
}

# ------------------------------------------------------------------------
# S3: npm s3rver on a free loopback port, data in $T/s3, bucket "mdx-test",
# behind tests/mock/s3auth.js, which checks every request's AWS Signature
# Version 4 as S3 does (s3rver checks Version 2 only and lets any Version 4
# signature pass).  Exports MDX_S3_ENDPOINT (host:port of the checking
# front), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (s3rver's well-known
# test keys), and S3_BUCKET.  s3rver answers virtual-hosted requests for
# BUCKET.s3.localhost:PORT too.
# NODE_OPTIONS=--openssl-legacy-provider: s3rver makes ListObjectsV2's
# continuation tokens with DES, which OpenSSL 3 keeps in its legacy
# provider; without it every listing of more than 1000 keys fails with
# InternalError.

S3RVER=$MDX_SRC/tests/node/node_modules/.bin/s3rver

s3_start() {
	[ -x "$S3RVER" ] || bail "s3rver not installed (run make deps)"
	[ -d "$MDX_SRC/tests/node/node_modules/aws4" ] ||
	    bail "aws4 not installed (run make deps)"
	_s3port=$(free_port)
	mkdir -p "$T/s3"
	S3_BUCKET=mdx-test
	NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$T/s3" \
	    -a 127.0.0.1 -p "$_s3port" --silent --service-endpoint localhost \
	    --configure-bucket "$S3_BUCKET" >"$T/s3.log" 2>&1 &
	_s3pid=$!
	at_exit "kill $_s3pid 2>/dev/null; wait $_s3pid 2>/dev/null"
	_wait_port "$_s3port" "$T/s3.log" s3rver
	AWS_ACCESS_KEY_ID=S3RVER
	AWS_SECRET_ACCESS_KEY=S3RVER
	s3_front MDX_S3_ENDPOINT
	export MDX_S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY S3_BUCKET
}

# s3_front VAR [OPTIONS...]: one more signature-checking front to the same
# s3rver, with tests/mock/s3auth.js's OPTIONS (--region REGION,
# --session-token TOKEN); sets VAR to its host:port.
s3_front() {
	_s3var=$1
	shift
	_s3fport=$(free_port)
	node "$MDX_SRC/tests/mock/s3auth.js" --port "$_s3fport" \
	    --upstream "$_s3port" --access-key S3RVER --secret S3RVER "$@" \
	    >"$T/s3auth.$_s3fport.log" 2>&1 &
	_s3fpid=$!
	at_exit "kill $_s3fpid 2>/dev/null; wait $_s3fpid 2>/dev/null"
	_wait_port "$_s3fport" "$T/s3auth.$_s3fport.log" "s3auth.js"
	eval "$_s3var=127.0.0.1:$_s3fport"
}

# ------------------------------------------------------------------------
# The mock exchange (tests/mock/exchange.js), on a free loopback port.
# mock_start [OPTIONS...] passes OPTIONS to the mock; it exports
# MOCK_URL and MDX_BINANCE_URL, MDX_BINANCE_FAPI_URL, MDX_BYBIT_URL,
# MDX_OKX_URL, MDX_KRAKEN_URL and MDX_COINBASE_URL pointing at it.  See
# tests/mock/README for its options and its control endpoints.

mock_start() {
	_mport=$(free_port)
	node "$MDX_SRC/tests/mock/exchange.js" --port "$_mport" "$@" \
	    >"$T/mock.log" 2>&1 &
	_mpid=$!
	at_exit "kill $_mpid 2>/dev/null; wait $_mpid 2>/dev/null"
	_wait_port "$_mport" "$T/mock.log" "mock exchange"
	MOCK_URL=http://127.0.0.1:$_mport
	MDX_BINANCE_URL=$MOCK_URL
	MDX_BINANCE_FAPI_URL=$MOCK_URL
	MDX_BYBIT_URL=$MOCK_URL
	MDX_OKX_URL=$MOCK_URL
	MDX_KRAKEN_URL=$MOCK_URL
	MDX_COINBASE_URL=$MOCK_URL
	export MOCK_URL MDX_BINANCE_URL MDX_BINANCE_FAPI_URL MDX_BYBIT_URL MDX_OKX_URL
	export MDX_KRAKEN_URL MDX_COINBASE_URL
}

# The mock's control endpoints (tests/mock/README, "Control endpoints").
# These talk to the mock at $MOCK_URL: the one mock_start started last,
# unless the script points MOCK_URL at another.  They fail (curl -f) when
# the mock refuses the request.

# mock_post ENDPOINT BODY: POST BODY to /mock/ENDPOINT (faults, holes,
# clock, ...); the mock's answer on stdout.
mock_post() { curl -sf -X POST -d "$2" "$MOCK_URL/mock/$1"; }

# mock_fault RULE: add a fault rule (JSON, or key=value,key=value).
mock_fault() { mock_post faults "$1" >/dev/null; }

# mock_clear ENDPOINT: remove every fault rule (faults) or hole (holes).
mock_clear() { curl -sf -X DELETE "$MOCK_URL/mock/$1" >/dev/null; }

# mock_reset: stats, weights, bans, faults, holes and clock back to the
# start-up state.
mock_reset() { curl -sf -X POST "$MOCK_URL/mock/reset" >/dev/null; }

# mock_stats: the mock's counters (requests, weights, faults, 429s...) as
# JSON on stdout.
mock_stats() { curl -sf "$MOCK_URL/mock/stats"; }
