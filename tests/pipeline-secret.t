#!/bin/sh
# pipeline-secret.t - issue 18 finding 8: a password in MDX_DB never
# appears on a command line (/proc/PID/cmdline, readable by every user),
# while the pipelines still reach the warehouse with it.  The private
# cluster is switched to password authentication, so a psql that was not
# handed the password fails.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

pg_start
mdx-load --migrate >/dev/null 2>&1 || bail "mdx-load --migrate failed"

# A password with the characters that need quoting or percent-encoding.
PW="S3cret p'w\\@%-$$"
psql -X -q -c "ALTER ROLE mdx PASSWORD '$(printf '%s' "$PW" | sed "s/'/''/g")'" ||
    bail "cannot set the password"
sed -i 's/trust$/scram-sha-256/' "$MDX_PGDATA/pg_hba.conf"
_pg_as "$PG_BINDIR/pg_ctl" -D "$MDX_PGDATA" reload >/dev/null 2>&1 ||
    bail "pg_ctl reload failed"
sleep 1
host=$PGHOST
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD
PGPASSFILE=$T/no-pgpass
export PGPASSFILE

exits 2 "the warehouse refuses a psql without the password" \
    psql -X -w -h "$host" -U mdx -d mdx -Atc 'select 1'

kv_pw=$(printf '%s' "$PW" | sed "s/[\\\\']/\\\\&/g")
KV="host=$host port=5432 user=mdx dbname=mdx password='$kv_pw'"
URI="postgresql://mdx:S3cret%20p%27w%5C%40%25-$$@/mdx?host=$host"
URIQ="postgresql://mdx@/mdx?host=$host&password=S3cret%20p%27w%5C%40%25-$$"

# scan_cmdlines FORM: every process's command line, while the psql of
# FORM's query runs; $T/seen gets the command lines of that query, $T/leak
# those holding the password.  The patterns are written so that grep's own
# command line does not match them.
scan_cmdlines() {
	: >"$T/seen"
	: >"$T/leak"
	_i=0
	while [ $_i -lt 200 ]; do
		for f in $(grep -a -l -e "S3cre[t]" /proc/[0-9]*/cmdline \
		    2>/dev/null); do
			tr '\0' ' ' <"$f" >>"$T/leak" 2>/dev/null
		done
		for f in $(grep -a -l -e "pg_slee[p](1.5), .$1." /proc/[0-9]*/cmdline \
		    2>/dev/null); do
			tr '\0' ' ' <"$f" >>"$T/seen" 2>/dev/null
			echo >>"$T/seen"
		done
		[ -s "$T/seen" ] && [ $_i -gt 10 ] && break
		_i=$((_i + 1))
		sleep 0.05
	done
}

for form in KV URI URIQ; do
	eval "db=\$$form"
	mark="pg_sleep(1.5), '$form'"
	(
		MDX_DB=$db MDX_JOB=test MDX_VAR=$T/var
		export MDX_DB
		. "$MDX_SRC/pipelines/common.sh"
		mdx_psql -Atc "select $mark"
	) >"$T/slow.out" 2>"$T/slow.err" &
	pid=$!
	scan_cmdlines "$form"
	wait $pid
	is "$?" 0 "$form: mdx_psql connects with the password of MDX_DB"
	is "$(cat "$T/slow.out")" "|$form" "$form: the query ran"
	like "$(grep -c 'psql' "$T/seen")" '^[1-9]' \
	    "$form: the running psql was seen in /proc"
	is "$(cat "$T/leak")" "" "$form: no command line holds the password"
done

# The pipelines that query the warehouse, with psql replaced by a shim
# that logs its arguments and runs the real one.
real_psql=$(command -v psql)
mkdir -p "$T/bin"
cat >"$T/bin/psql" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$T/argv"
exec "$real_psql" "\$@"
EOF
chmod +x "$T/bin/psql"
: >"$T/argv"
export MDX_DB="$KV" MDX_VAR="$T/var" MDX_LAKE="$T/lake"
mkdir -p "$T/lake"
PATH=$T/bin:$PATH exits 0 "status: exit 0 with the password in MDX_DB" \
    "$MDX_SRC/pipelines/status"
like "$(cat "$T/out")" '== warehouse size' "status: reached the warehouse"
unlike_out=$(grep -v 'unreachable' "$T/out" | grep -c '== warehouse')
is "$unlike_out" 1 "status: the warehouse is not unreachable"
PATH=$T/bin:$PATH exits 0 "maintain: exit 0 with the password in MDX_DB" \
    "$MDX_SRC/pipelines/maintain"
like "$(wc -l <"$T/argv")" '^ *[2-9]|^ *[1-9][0-9]' \
    "status and maintain ran psql"
mock_start
PATH=$T/bin:$PATH "$MDX_SRC/pipelines/backfill" binance BTCUSDT 1h \
    2024-01-01 2024-01-02 >"$T/out" 2>"$T/err"
like "$(grep -c 'backfill\|since\|ex=' "$T/argv")" '^[1-9]' \
    "backfill ran psql"
is "$(grep -c S3cret "$T/argv")" 0 \
    "no psql argument of status, maintain or backfill holds the password"
done_testing
