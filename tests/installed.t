#!/bin/sh
# installed.t - mdx as an operator runs it: make install into a private
# prefix, then an hour of cron from the installed files only, the way cron
# runs the installed crontab: its own environment (env -i with the
# crontab's SHELL, PATH and MDX_CONFIG lines), its PATH without the
# programs, a working directory outside the checkout, the configuration
# from the installed mdx.conf.  Against the mock exchange and a private
# PostgreSQL, on a simulated clock (MDX_NOW and the mock's clock).
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

I=$T/inst
make -s -C "$MDX_SRC" --no-print-directory O="$MDX_BUILD" PREFIX="$I" \
    install >"$T/install.log" 2>&1 ||
    { sed 's/^/# /' "$T/install.log"; bail "make install failed"; }
X=$I/share/mdx/examples
C=$I/etc/mdx
V=$I/var/lib/mdx
is "$(grep -rlI -e "$MDX_SRC" -e '@MDX_[A-Z]*@' "$I" 2>/dev/null)" "" \
    "no installed script or example names the checkout or keeps a placeholder"

# The front command.
exits 0 "mdx help" "$I/bin/mdx" help
like "$(cat "$T/out")" "cron-run job" "mdx help lists the pipelines"
exits 64 "mdx with an unknown command exits 64" "$I/bin/mdx" frobnicate
like "$(cat "$T/err")" "unknown command 'frobnicate'" "... and says so"
exits 64 "mdx with no command exits 64" "$I/bin/mdx"

T0=2026-11-02T02:00:00Z
t0=$(date -u -d "$T0" +%s)
at() { date -u -d "@$((t0 + $1 * 60))" +%Y-%m-%dT%H:%M:%SZ; }
pg_start
mock_start --now "$T0"

# The operator's configuration: the installed mdx.conf with a quoted
# connection string, and a watchlist of one series.
cat >>"$C/mdx.conf" <<CONF
MDX_DB='host=$PGHOST port=$PGPORT dbname=mdx user=mdx'
MDX_BINANCE_URL=$MOCK_URL
MDX_INGEST_SINCE=$T0
MDX_EXTRACT_OPTS='--tries 3'
MDX_ROLLUPS=1h
MDX_INDICATORS=rsi:14
CONF
printf 'binance spot BTCUSDT 1m\n' >"$C/watchlist"

# Cron's environment: the crontab's variable lines, nothing else.
cronenv=$(sed -n 's/^\([A-Z_][A-Z_]*\)=\(.*\)$/\1=\2/p' "$X/crontab")
like "$cronenv" "^SHELL=/bin/sh" "the crontab runs its commands with /bin/sh"
cronpath=$(printf '%s\n' "$cronenv" | sed -n 's/^PATH=//p')
mkdir -p "$T/home"
# cron_sh COMMAND: run COMMAND as cron would, at the simulated time.
cron_sh() {
	# shellcheck disable=SC2086
	(cd "$T/home" && env -i HOME="$T/home" LOGNAME=mdx $cronenv \
	    MDX_NOW="$now" /bin/sh -c "$1")
}
now=$T0
exits 1 "the programs are not on cron's PATH ($cronpath)" \
    cron_sh "command -v mdx-load || exit 1"
exits 0 "mdx load --migrate runs mdx-load, on the configured warehouse" \
    cron_sh "$I/bin/mdx load --migrate"

# An hour and a minute of cron, 02:00 to 03:00: each crontab entry whose
# minute and hour match runs; what it prints is what cron would mail.
grep -E '^[0-9*]' "$X/crontab" >"$T/entries"
is "$(wc -l <"$T/entries")" 5 "the crontab has five entries"
fails=0 runs=0 jobs=""
: >"$T/mail"
m=0
while [ $m -le 60 ]; do
	now=$(at $m)
	mock_post clock "{\"now\":\"$now\"}" >/dev/null
	min=$((m % 60)) hour=$((2 + m / 60))
	while read -r em eh _ _ _ cmd; do
		case $em in
		'*') ;;
		'*/'*) [ $((min % ${em#*/})) -eq 0 ] || continue ;;
		*) [ "$em" -eq $min ] || continue ;;
		esac
		{ [ "$eh" = '*' ] || [ "$eh" -eq $hour ]; } || continue
		cron_sh "$cmd" >>"$T/mail" 2>&1
		st=$?
		runs=$((runs + 1))
		case " $jobs " in *" ${cmd##* } "*) ;; *) jobs="$jobs ${cmd##* }" ;; esac
		[ $st -eq 0 ] || { fails=$((fails + 1)); diag "$now $cmd: exit $st"; }
	done <"$T/entries"
	m=$((m + 1))
done
is "$jobs" " ingest oi rollup repair" "ingest, oi, rollup and repair ran on schedule"
is "$runs" 76 "76 runs: ingest every minute, oi every 5, rollup at 02:05, repair at 02:20"
is "$fails" 0 "every run exited 0"
is "$(cat "$T/mail")" "" "no run printed anything (cron mails nothing)"
[ -s "$T/mail" ] && sed 's/^/#   /' "$T/mail" | head -20

# What the hour left behind, where the installed configuration says.
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1m'")" 60 \
    "every minute of the hour is in the warehouse"
for j in ingest rollup repair; do
	is "$(sed -n 's/^status=//p' "$V/status/$j" 2>/dev/null)" 0 \
	    "$j's last run is recorded as a success in $V"
done
is "$(grep -c 'binance spot BTCUSDT 1m' "$V/log/ingest.log")" 61 \
    "cron-run logged the 61 ingest runs in $V/log"
ok "test -d '$V/lake/raw'" "the lake is under $V"
cron_sh "$I/bin/mdx lake ls raw" >"$T/ls" 2>&1
like "$(cat "$T/ls")" "symbol=BTCUSDT" "mdx lake ls lists the jobs' lake"
now=$(at 61)
cron_sh "$I/bin/mdx status" >"$T/status" 2>&1
is "$?" 0 "mdx status runs in cron's environment"
like "$(cat "$T/status")" "binance +\| spot +\| BTCUSDT +\| 1m +\| 2026-11-02 02:59:00" \
    "mdx status shows the series' last candle"

# The systemd units run the same front command with the same file.
for u in "$X"/mdx-*.service; do
	n=${u##*/}
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
	envf=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$u")
	is "$exe $envf" "$I/bin/mdx $C/mdx.conf" \
	    "$n runs the installed mdx with the installed mdx.conf"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	SYSTEMD_LOG_LEVEL=err exits 0 "systemd-analyze verify accepts the units" \
	    systemd-analyze verify "$X"/mdx-*.service "$X"/mdx-*.timer
fi

# make uninstall removes everything but the state the jobs wrote and the
# configuration the operator changed.
make -s -C "$MDX_SRC" --no-print-directory O="$MDX_BUILD" PREFIX="$I" \
    uninstall >"$T/uninstall.log" 2>&1
is "$?" 0 "make uninstall succeeds"
like "$(cat "$T/uninstall.log")" "kept $C/mdx.conf: it was changed" \
    "uninstall keeps the changed mdx.conf, and says so"
is "$(cd "$I" && find . -type f ! -path './var/*' | sort | tr '\n' ' ')" \
    "./etc/mdx/mdx.conf ./etc/mdx/watchlist " \
    "nothing else is left but the jobs' state"
done_testing
