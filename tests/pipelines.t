#!/bin/sh
# pipelines.t - the pipelines' own behaviour: shellcheck, locking against
# overlapping runs, the exit-75 convention, configuration precedence,
# argument checks and the cron wrapper.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
P=$MDX_SRC/pipelines

# Each script is checked as the shell its shebang (or its shellcheck
# directive, for common.sh) names: the bash pipelines as bash, cron-run,
# mdx and common.sh, which /bin/sh runs, as POSIX sh.
out=$(cd "$MDX_SRC" && shellcheck -x pipelines/* 2>&1)
is "$out" "" "every pipeline is shellcheck clean under its own shell"
for f in cron-run mdx common.sh; do
	is "$(cd "$MDX_SRC" && shellcheck -x -s sh -f gcc "pipelines/$f" 2>&1)" "" \
	    "pipelines/$f is POSIX sh (dash runs it)"
done
# Every script that /bin/sh runs, anywhere in the tree, uses no bash-isms
# (shellcheck's SC3xxx): on Debian /bin/sh is dash.
shs=$(cd "$MDX_SRC" && grep -l -r '^#!/bin/sh' pipelines tests bench tools \
    lib .ci 2>/dev/null | grep -v node_modules)
is "$(cd "$MDX_SRC" && shellcheck -s sh -f gcc $shs tests/*.sh 2>&1 |
    grep 'SC3[0-9][0-9][0-9]')" "" "no #!/bin/sh script uses bash-isms"
# Nothing runs a bash script through sh: the Makefile and CI run scripts
# by their shebangs.
is "$(cd "$MDX_SRC" && grep -n -E '(^|[[:space:]@;])(ba)?sh [^-]' Makefile \
    .ci/run | grep -v 'lib/gen-migrations.sh')" "" \
    "the Makefile and .ci/run run scripts by their shebangs"

export MDX_VAR=$T/var
mkdir -p "$MDX_VAR"
pg_start
mdx-load --migrate 2>/dev/null

# An exchange nobody answers for: ingest exits 75 so cron retries.
port=$(free_port)
printf 'binance spot BTCUSDT 1m\n' >"$T/wl"
MDX_BINANCE_URL=http://127.0.0.1:$port MDX_EXTRACT_OPTS="--tries 1" \
    exits 75 "ingest: an unreachable exchange exits 75" "$P/ingest" "$T/wl"
like "$(cat "$T/err")" "binance spot BTCUSDT 1m: failed" \
    "ingest: one summary line names the failed entry"

# Overlapping runs: a second run while the first holds the lock exits 75.
mkdir -p "$MDX_VAR/lock"
( exec 9>"$MDX_VAR/lock/ingest.lock"; flock 9; exec sleep 5 ) &
lp=$!
sleep 0.5
exits 75 "ingest: a run overlapping another exits 75 at once" \
    "$P/ingest" "$T/wl"
like "$(cat "$T/err")" "another ingest run holds" "ingest: says why"
kill $lp 2>/dev/null; wait $lp 2>/dev/null

# A watchlist that does not exist is a configuration error.
exits 78 "ingest: a missing watchlist exits 78" "$P/ingest" "$T/nowhere"

# Configuration: the environment beats the config file, which beats the
# defaults; anything but MDX_*/PG*/AWS_* keys is refused.
printf 'MDX_WATCHLIST=%s\nMDX_ROLLUPS=4h\n' "$T/wl" >"$T/mdx.conf"
MDX_CONFIG=$T/mdx.conf MDX_ROLLUPS=1d bash -c \
    ". '$P/common.sh'; echo \$MDX_WATCHLIST \$MDX_ROLLUPS" >"$T/cfg" 2>&1
is "$(cat "$T/cfg")" "$T/wl 1d" "config file fills in, environment wins"
printf 'PATH=/tmp\n' >"$T/bad.conf"
MDX_CONFIG=$T/bad.conf exits 78 "a config file may not set PATH" \
    "$P/status"

# The config file is read as a shell and systemd read assignments: quotes
# are removed, comments and blank lines skipped.  A quoted connection
# string reaches libpq without its quotes (PGHOST is cleared, so only
# MDX_DB can find the warehouse).
cat >"$T/q.conf" <<EOF
# the warehouse

  # an indented comment
MDX_DB='host=$PGHOST dbname=mdx user=mdx'
MDX_ROLLUPS="1h"
MDX_INDICATORS=rsi:14
MDX_EXTRACT_OPTS='--tries 1 \$HOME'
EOF
for sh in sh bash; do
	MDX_CONFIG=$T/q.conf $sh -c ". '$P/common.sh'; printf '%s|' \
	    \"\$MDX_DB\" \"\$MDX_ROLLUPS\" \"\$MDX_EXTRACT_OPTS\"" >"$T/cfg" 2>&1
	is "$(cat "$T/cfg")" "host=$PGHOST dbname=mdx user=mdx|1h|--tries 1 \$HOME|" \
	    "$sh: quotes are removed, and nothing in them is expanded"
done
PGHOST='' MDX_CONFIG=$T/q.conf exits 0 "rollup connects with a quoted MDX_DB" \
    "$P/rollup"
like "$(cat "$T/err")" "rolled up to 1h" "... and rolls up to the configured 1h"

# A line that a shell and systemd would not read alike is an error that
# names the file and line, exit status 78.
for bad in "MDX_ROLLUPS=1h 4h" "MDX_DB='host=x" 'MDX_DB="a$b"' \
    "MDX_DB='x'y" 'MDX_DB=a\b' 'export MDX_DB=x' 'MDX_DB =x' 'junk'; do
	printf '# ok\nMDX_ROLLUPS=1h\n%s\n' "$bad" >"$T/bad.conf"
	MDX_CONFIG=$T/bad.conf exits 78 "a bad line exits 78: $bad" \
	    "$P/rollup"
	like "$(cat "$T/err")" "\(at $T/bad.conf:3\)" \
	    "... naming the file and line"
done
# The keys the pipelines know are the ones mdx-pipelines(7) and mdx(7)
# document.
keys=$(sh -c ". '$P/common.sh' >/dev/null 2>&1; echo \$mdx_known_keys")
undoc=""
for k in $keys; do
	grep -E -q "^\.(It )?Ev (.* )?$k( |$)" "$MDX_SRC/man/mdx-pipelines.7" \
	    "$MDX_SRC/man/mdx.7" || undoc="$undoc $k"
done
ok "[ -n '$keys' ]" "common.sh lists the known keys"
is "$undoc" "" "every known config key is documented"
# A key the pipelines do not know is a warning (a misspelling), not an
# error.
printf 'MDX_ROLUPS=4h\n' >"$T/typo.conf"
MDX_CONFIG=$T/typo.conf exits 0 "an unknown key is no error" "$P/rollup"
like "$(cat "$T/err")" "warning: unknown config key 'MDX_ROLUPS' \(at $T/typo.conf:1\)" \
    "... but warned about, with the file and line"

# Arguments.
exits 64 "backfill: missing arguments exit 64" "$P/backfill" binance
exits 64 "backfill: a week is not backfilled by day" \
    "$P/backfill" binance BTCUSDT 1w -7d
exits 64 "embedded: an unknown command exits 64" "$P/embedded" frobnicate

# cron-run: quiet on 0, and on 69 and 75 while they are temporary; loud on
# other failures, on a 69 or 75 that persists (MDX_CRON_PERSISTENT runs in
# a row, default 3), and on recovery; logs always.
mkdir -p "$T/pl"
cp "$P/cron-run" "$P/common.sh" "$T/pl/"
printf '#!/bin/sh\necho working >&2\nexit %s\n' 75 >"$T/pl/j75"
printf '#!/bin/sh\necho broken >&2\nexit %s\n' 1 >"$T/pl/j1"
printf '#!/bin/sh\necho "run $(cat %s)" >&2\nexit $(cat %s)\n' \
    "$T/jst" "$T/jst" >"$T/pl/jx"
chmod +x "$T/pl/"*
exits 75 "cron-run keeps the job's 75" "$T/pl/cron-run" j75
is "$(cat "$T/out")" "" "cron-run says nothing on a first 75 (no cron mail)"
like "$(cat "$MDX_VAR/log/j75.log")" "working" "cron-run logs the job"
exits 1 "cron-run keeps other statuses" "$T/pl/cron-run" j1
like "$(cat "$T/out")" "mdx j1 failed with exit status 1" \
    "cron-run reports real failures (cron mails them)"
MDX_CRON_QUIET_TEMPFAIL=1 exits 0 "MDX_CRON_QUIET_TEMPFAIL turns a second 75 into 0" \
    "$T/pl/cron-run" j75
is "$(cat "$T/out")" "" "a second 75 in a row: still quiet"
MDX_CRON_QUIET_TEMPFAIL=1 exits 75 "a third 75 in a row is persistent: kept, even with MDX_CRON_QUIET_TEMPFAIL" \
    "$T/pl/cron-run" j75
like "$(cat "$T/out")" "mdx j75 failed with exit status 75 for 3 runs in a row" \
    "a third 75 in a row is reported (cron mails it)"
like "$(cat "$T/out")" "working" "the report shows the job's output"
is "$(sed -n 's/^streak=//p' "$MDX_VAR/status/j75.cron")" 3 \
    "the streak is kept in \$MDX_VAR/status/JOB.cron"
exits 75 "a fourth 75" "$T/pl/cron-run" j75
is "$(cat "$T/out")" "" "a fourth 75 is not reported again"
exits 75 "a fifth 75" "$T/pl/cron-run" j75
exits 75 "a sixth 75" "$T/pl/cron-run" j75
like "$(cat "$T/out")" "for 6 runs in a row" "reported again at twice the count"

# 69 (unavailable) is temporary too, until it persists; a change of
# status starts a new streak; a configuration error is reported at once;
# the first success after a reported failure says so.
for i in 1 2; do
	echo 69 >"$T/jst"
	MDX_CRON_PERSISTENT=2 "$T/pl/cron-run" jx >"$T/out$i" 2>&1
	echo 75 >"$T/jst"
	MDX_CRON_PERSISTENT=2 "$T/pl/cron-run" jx >>"$T/out$i" 2>&1
done
is "$(cat "$T/out1" "$T/out2")" "" "alternating 69 and 75: no streak, quiet"
echo 69 >"$T/jst"
MDX_CRON_PERSISTENT=2 "$T/pl/cron-run" jx >/dev/null 2>&1
MDX_CRON_PERSISTENT=2 exits 69 "a second 69 in a row (MDX_CRON_PERSISTENT=2)" \
    "$T/pl/cron-run" jx
like "$(cat "$T/out")" "mdx jx failed with exit status 69 for 2 runs in a row" \
    "a persistent 69 is reported"
echo 78 >"$T/jst"
exits 78 "a configuration error: exit 78" "$T/pl/cron-run" jx
like "$(cat "$T/out")" "mdx jx failed with exit status 78" \
    "a configuration error is reported at its first run"
echo 0 >"$T/jst"
exits 0 "a success" "$T/pl/cron-run" jx
like "$(cat "$T/out")" "mdx jx recovered" "the success after a reported failure is reported"
exits 0 "another success" "$T/pl/cron-run" jx
is "$(cat "$T/out")" "" "and then cron-run is quiet again"
MDX_CRON_PERSISTENT=x exits 78 "a bad MDX_CRON_PERSISTENT: exit 78" \
    "$T/pl/cron-run" jx

# An unreachable warehouse: ingest exits 69 (not hidden as 75); cron-run
# stays quiet twice, then mails libpq's message, socket path included;
# status shows the streak and the last failure.
MDX_WATCHLIST=$T/wl MDX_DB="host=$T/nowhere dbname=x" \
    exits 69 "ingest: an unreachable warehouse exits 69" "$P/ingest"
for i in 1 2 3; do
	MDX_WATCHLIST=$T/wl MDX_DB="host=$T/nowhere dbname=x" \
	    "$P/cron-run" ingest >"$T/cron$i" 2>&1
	echo $? >>"$T/cronst"
done
is "$(tr '\n' ' ' <"$T/cronst")" "69 69 69 " "cron-run ingest: 69 each time"
is "$(cat "$T/cron1" "$T/cron2")" "" "cron-run ingest: quiet for 2 runs"
like "$(cat "$T/cron3")" "mdx ingest failed with exit status 69 for 3 runs in a row" \
    "cron-run ingest: the third run is reported"
like "$(cat "$T/cron3")" "socket \"$T/nowhere/\.s\.PGSQL" \
    "cron-run ingest: the report names the warehouse's socket"
MDX_DB="host=$T/nowhere dbname=x" "$P/status" >"$T/st" 2>&1
like "$(cat "$T/st")" "FAILING: exit 69 for 3 runs in a row since" \
    "status shows the failing streak"
like "$(cat "$T/st")" "last failure .*, exit 69: .*failed" \
    "status shows the last failure and its message"

# status from another directory finds the lake and state of its own
# configuration (var beside pipelines/), not the caller's ./var.
mkdir -p "$T/inst"
cp -r "$P" "$T/inst/pipelines"
. "$MDX_SRC/tests/lake-data.sh"
gen_raw 3 BTCUSDT 1704067200 | mdx-lake -L "$T/inst/var/lake" put raw >/dev/null
(cd / && env -u MDX_VAR -u MDX_LAKE "$T/inst/pipelines/status") >"$T/st" 2>&1
like "$(cat "$T/st")" "== lake \($T/inst/var/lake\)" \
    "status from another directory: the lake beside its pipelines"
like "$(cat "$T/st")" "^total +1 +3 " \
    "status from another directory: the lake's objects are counted"

# backfill downloads public-data archives where the site has them, in
# data.binance.vision's layout, and takes the REST API for the rest.
mock_start --now 2026-11-01T00:00:00Z
site=$T/site/data/spot/daily/klines/SOLUSDT/1m
mkdir -p "$site"
node "$MDX_SRC/tests/mock/make-archive.js" --symbol SOLUSDT --interval 1m \
    --from 2026-10-01 --to 2026-10-02 --out "$site" >/dev/null
sport=$(free_port)
node -e '
const http = require("http"), fs = require("fs"), path = require("path");
const root = process.argv[1];
http.createServer((q, r) => {
	const f = path.join(root, decodeURIComponent(q.url.split("?")[0]));
	if (!f.startsWith(root) || !fs.existsSync(f) || fs.statSync(f).isDirectory()) {
		r.writeHead(404); r.end("not found"); return;
	}
	r.writeHead(200); fs.createReadStream(f).pipe(r);
}).listen(+process.argv[2], "127.0.0.1");' "$T/site" "$sport" &
spid=$!
at_exit "kill $spid 2>/dev/null"
sleep 0.5
MDX_NOW=2026-11-01T00:00:00Z MDX_ARCHIVE_URL=http://127.0.0.1:$sport \
    exits 0 "backfill: 3 days from downloaded archives and REST" \
    "$P/backfill" binance SOLUSDT 1m 2026-10-01 2026-10-04
like "$(cat "$T/err")" "3 days loaded, 2 from archives, 1 from the REST API" \
    "backfill: 2 days came from the archive site, 1 from REST"
ok "[ -f '$MDX_VAR/archives/SOLUSDT-1m-2026-10-01.zip.CHECKSUM' ]" \
    "backfill: keeps the downloaded archives with their checksums"
is "$(sql "SELECT count(*), count(*) FILTER (WHERE origin = 'archive')
	FROM mdx.candle")" "4320|2880" "backfill: every minute of the 3 days"
MDX_NOW=2026-11-01T00:00:00Z MDX_ARCHIVE_URL=http://127.0.0.1:$sport \
    exits 0 "backfill: a rerun succeeds" \
    "$P/backfill" binance SOLUSDT 1m 2026-10-01 2026-10-04
like "$(cat "$T/err")" "0 days loaded" "backfill: a rerun fetches nothing"

# Lineage: each mdx-load run is linked to the lake objects it loaded.
mdx-lake -L "$MDX_VAR/lake" ls raw | cut -f1 | sort >"$T/keys"
is "$(wc -l <"$T/keys" | tr -d ' ')" 3 "backfill: one lake object per day"
sql "SELECT uri FROM mdx.lake_object ORDER BY 1" >"$T/uris"
files_eq "$T/uris" "$T/keys" \
    "backfill: mdx.lake_object holds exactly the lake's objects"
is "$(sql "SELECT count(DISTINCT run_id) FROM mdx.run_lake_object")" 3 \
    "backfill: each day's run is linked to its object"
# The lineage query of mdx-warehouse(7), for a candle of each day: the
# object is the one of the candle's partition day.
for d in 2026-10-01 2026-10-02 2026-10-03; do
	is "$(sql "SELECT o.uri FROM mdx.candles c JOIN mdx.run r USING (run_id)
	    LEFT JOIN mdx.run_lake_object ro USING (run_id)
	    LEFT JOIN mdx.lake_object o USING (object_id)
	    WHERE c.symbol = 'SOLUSDT' AND c.interval = '1m'
	    AND c.open_time = '${d}T12:00:00Z'")" "$(grep "/date=$d/" "$T/keys")" \
	    "lineage of a candle of $d: its day's lake object"
done

# status names the jobs and the gaps.
exits 0 "status runs" "$P/status"
like "$(cat "$T/out")" "ingest +last run" "status shows the last ingest run"
like "$(cat "$T/out")" "== gaps" "status shows the gaps"
done_testing
