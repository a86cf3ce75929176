# shellcheck shell=sh
# common.sh - sourced by every pipeline: configuration, locking, logging.
# POSIX sh, since cron-run and the front command mdx, run by /bin/sh,
# source it too.
#
# Configuration, strongest first: the command line of each pipeline, the
# environment, then the config file: $MDX_CONFIG, else (installed) the
# mdx.conf of the installed configuration directory, else (in a checkout)
# ./mdx.conf, when it exists.  A key already set in the environment is
# left alone.  The file's syntax is the subset of assignments that a shell
# and systemd's EnvironmentFile= read alike (mdx-pipelines(7)); no shell
# code is run from it.

MDX_PIPELINES=$(cd "$(dirname "$0")" && pwd)
MDX_SRC=${MDX_SRC:-$(cd "$MDX_PIPELINES/.." && pwd)}

# The installed directories, filled in by make install.  A checkout keeps
# the placeholders and finds everything relative to itself.
mdx_bindir='@MDX_BINDIR@'
mdx_confdir='@MDX_CONFDIR@'
mdx_vardir='@MDX_VARDIR@'
case $mdx_bindir in
@*@) mdx_installed=0 ;;
*) mdx_installed=1 ;;
esac

# The keys the pipelines and programs read (mdx-pipelines(7) lists them);
# a config file may set any MDX_*, PG* or AWS_* key, and gets a warning
# for one not listed here (a misspelt key would otherwise be ignored).
mdx_known_keys=" MDX_ARCHIVE_DIR MDX_ARCHIVE_URL MDX_BINANCE_FAPI_URL
 MDX_BINANCE_URL MDX_BYBIT_URL MDX_CRON_QUIET_TEMPFAIL MDX_DB
 MDX_COINBASE_URL MDX_DB_RETENTION MDX_DB_TRADE_RETENTION MDX_EXTRACT_OPTS
 MDX_INDICATORS MDX_INGEST_SINCE MDX_KRAKEN_URL MDX_LAKE
 MDX_LAKE_ARCHIVE_AFTER MDX_LAKE_RETENTION MDX_LAKE_TRADE_RETENTION
 MDX_OKX_URL MDX_REPAIR_SINCE
 MDX_ROLLUPS MDX_S3_ENDPOINT MDX_S3_PROTOCOL MDX_STATE MDX_VAR MDX_VERBOSE
 MDX_WATCHLIST PGAPPNAME PGCONNECT_TIMEOUT PGDATABASE PGHOST PGHOSTADDR
 PGOPTIONS PGPASSFILE PGPASSWORD PGPORT PGSERVICE PGSERVICEFILE PGSSLCERT
 PGSSLKEY PGSSLMODE PGSSLROOTCERT PGUSER PG_BINDIR AWS_ACCESS_KEY_ID
 AWS_PROFILE AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE "

# mdx_config_file: the config file to read, or nothing.
mdx_config_file() {
	if [ -n "${MDX_CONFIG:-}" ]; then
		echo "$MDX_CONFIG"
	elif [ "$mdx_installed" = 1 ]; then
		[ -f "$mdx_confdir/mdx.conf" ] && echo "$mdx_confdir/mdx.conf"
	elif [ -f ./mdx.conf ]; then
		echo ./mdx.conf
	fi
	return 0
}

# mdx_load_config: read the config file into the environment.  Each line
# is blank, a comment (# first), or KEY=VALUE with VALUE unquoted (no
# blanks, quotes or characters a shell would expand), in single quotes
# (anything but ' and backslash), or in double quotes (no ", backslash, $
# or backquote); the quotes are removed.  Anything else exits 78, naming
# the file and line.
mdx_load_config() {
	_cf=$(mdx_config_file)
	[ -n "$_cf" ] || return 0
	if ! [ -f "$_cf" ] || ! [ -r "$_cf" ]; then
		mdx_fail 78 "cannot read config file '$_cf'"
	fi
	_ln=0
	while IFS= read -r _l || [ -n "$_l" ]; do
		_ln=$((_ln + 1))
		_at="(at $_cf:$_ln)"
		_l=${_l#"${_l%%[![:space:]]*}"}
		case $_l in
		''|'#'*) continue ;;
		[A-Za-z_]*=*) ;;
		*) mdx_fail 78 "bad config line: not KEY=VALUE $_at" ;;
		esac
		_k=${_l%%=*}
		_v=${_l#*=}
		_v=${_v%"${_v##*[![:space:]]}"}
		case $_k in
		*[!A-Za-z0-9_]*)
			mdx_fail 78 "bad config key '$_k' $_at" ;;
		MDX_*|PG*|AWS_*) ;;
		*)	mdx_fail 78 "config key '$_k' may not be set: only" \
			    "MDX_*, PG* and AWS_* keys $_at" ;;
		esac
		case $_v in
		*\\*)	mdx_fail 78 "bad config value of $_k: a backslash $_at" ;;
		[\'\"]*)
			_q=${_v%"${_v#?}"}
			_r=${_v#?}
			case $_r in
			*"$_q"*) ;;
			*) mdx_fail 78 "bad config value of $_k: no closing" \
			    "quote $_at" ;;
			esac
			_v=${_r%%"$_q"*}
			[ "$_r" = "$_v$_q" ] || mdx_fail 78 "bad config value" \
			    "of $_k: text after the closing quote $_at"
			case $_q$_v in
			\"*[\$\`]*) mdx_fail 78 "bad config value of $_k:" \
			    "\$ or \` in double quotes (use single quotes) $_at"
			esac ;;
		*[[:space:]\'\"\$\`\;\&\|\<\>\(\)~]*)
			mdx_fail 78 "bad config value of $_k: blanks, quotes" \
			    "or shell characters need single quotes $_at" ;;
		esac
		case $mdx_known_keys in
		*[[:space:]]"$_k"[[:space:]]*) ;;
		*) mdx_log "warning: unknown config key '$_k' $_at" ;;
		esac
		# The key is a checked name: this eval runs no text of the
		# file.
		eval "_set=\${$_k+1}"
		[ -n "$_set" ] || export "$_k=$_v"
	done <"$_cf"
}

# mdx_log MESSAGE: one line on stderr, prefixed with the pipeline name and,
# when not on a terminal (cron, systemd), the UTC time.
mdx_log() {
	if [ -t 2 ]; then
		printf '%s: %s\n' "$MDX_JOB" "$*" >&2
	else
		printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		    "$MDX_JOB" "$*" >&2
	fi
}

# mdx_fail STATUS MESSAGE: log and exit with STATUS.
mdx_fail() {
	_st=$1
	shift
	mdx_log "$*"
	exit "$_st"
}

# mdx_lock: take the job's lock (or that of $MDX_LOCK, a job whose lock
# it shares), so overlapping runs (a slow run still going when cron starts
# the next) never work at the same time.  A run
# that finds the lock taken exits 75 at once, and cron tries again later.
mdx_lock() {
	_lk=${MDX_LOCK:-$MDX_JOB}
	mkdir -p "$MDX_VAR/lock"
	exec 9>"$MDX_VAR/lock/$_lk.lock"
	if ! flock -n 9; then
		mdx_fail 75 "another $_lk run holds $MDX_VAR/lock/$_lk.lock"
	fi
}

# mdx_record_run STATUS [DETAIL]: remember the job's last outcome for
# pipelines/status, in $MDX_VAR/status/JOB (one KEY=VALUE per line).
mdx_record_run() {
	mkdir -p "$MDX_VAR/status"
	_f=$MDX_VAR/status/$MDX_JOB
	{
		echo "job=$MDX_JOB"
		echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "status=$1"
		echo "detail=${2:-}"
		if [ "$1" -eq 0 ]; then
			echo "last_success=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		elif [ -f "$_f" ]; then
			grep '^last_success=' "$_f" || true
		fi
	} >"$_f.tmp" && mv "$_f.tmp" "$_f"
}

# mdx_watchlist: print the watchlist entries as "exchange market symbol
# intervals kinds" lines, comments and blank lines removed: intervals "-"
# when the entry gives none, kinds the comma-separated list of its
# kinds= field without the "kinds=", "klines" when it gives none
# (mdx-watchlist(5)).
mdx_watchlist() {
	[ -r "$MDX_WATCHLIST" ] ||
	    mdx_fail 78 "cannot read watchlist '$MDX_WATCHLIST'"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$MDX_WATCHLIST" |
	    awk '{
		ivs = "-"; kinds = "klines"
		for (i = 4; i <= NF; i++)
			if ($i ~ /^kinds=/) kinds = substr($i, 7)
			else ivs = $i
		print $1, $2, $3, ivs, kinds
	    }'
}

# mdx_kind_args KIND INTERVALS: the mdx-extract options that fetch a
# watchlist kind (klines, mark, index, premium, funding, oi) for an
# entry's intervals ("-" for none), one a line.  Open interest is sampled
# every $MDX_OI_PERIOD (default 5m), whatever the candle intervals.
mdx_kind_args() {
	case $1 in
	klines) echo "-k"; echo klines ;;
	mark|index|premium) echo "-k"; echo "$1_klines" ;;
	funding) echo "-k"; echo funding; return 0 ;;
	oi) echo "-k"; echo open_interest; echo "-i"
	    echo "${MDX_OI_PERIOD:-5m}"; return 0 ;;
	*) return 1 ;;
	esac
	if [ "$2" != - ]; then echo "-i"; echo "$2"; fi
}

# mdx_epoch TIME: TIME as seconds since the epoch.  TIME is what the
# programs accept: RFC 3339, a date, an epoch number (s or ms, told by
# magnitude), "now", or relative to now ("-2d", "-90m", "+1h", "-1w").
# "now" is $MDX_NOW when that is set, as for the programs.
mdx_epoch() {
	_t=$1
	if [ "$_t" = now ] || [ -z "$_t" ]; then
		if [ -n "${MDX_NOW:-}" ]; then mdx_epoch "$MDX_NOW"; else date -u +%s; fi
		return
	fi
	case $_t in
	[-+][0-9]*[smhdw])
		_n=${_t%?}; _n=${_n#[-+]}
		case $_t in
		*s) _m=1 ;; *m) _m=60 ;; *h) _m=3600 ;; *d) _m=86400 ;;
		*w) _m=604800 ;;
		esac
		_now=$(mdx_epoch now) || return 1
		case $_t in
		-*) echo $((_now - _n * _m)) ;;
		*) echo $((_now + _n * _m)) ;;
		esac ;;
	*[!0-9]*) date -u -d "$_t" +%s 2>/dev/null ||
	    { mdx_log "bad time '$_t'"; return 1; } ;;
	*) if [ "$_t" -ge 100000000000 ]; then echo $((_t / 1000)); else
	    echo "$_t"; fi ;;
	esac
}

# mdx_rfc3339 EPOCH: the RFC 3339 UTC form of an epoch in seconds.
mdx_rfc3339() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# mdx_conninfo conn|password: MDX_DB (a libpq connection string, key=value
# or URI) without its password, or the password alone.  MDX_DB reaches awk
# through the environment, never its command line.  key=value values are
# read as libpq reads them (single quotes, backslash escapes) and written
# back quoted; a URI's password is taken from user:password@ or from
# ?password=, percent-decoded.
mdx_conninfo() {
	MDX_DB=$MDX_DB LC_ALL=C awk -v mode="$1" '
	function hex(c) { return index("0123456789abcdef", tolower(c)) - 1 }
	function unpct(s,   o, i, c) {
		o = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "%" && i + 2 <= length(s) &&
			    hex(substr(s, i + 1, 1)) >= 0 &&
			    hex(substr(s, i + 2, 1)) >= 0) {
				c = hex(substr(s, i + 1, 1)) * 16
				o = o sprintf("%c", c + hex(substr(s, i + 2, 1)))
				i += 2
			} else
				o = o c
		}
		return o
	}
	function quote(v,   o, i, c) {
		o = ""
		for (i = 1; i <= length(v); i++) {
			c = substr(v, i, 1)
			o = o (c == "\\" || c == "'\''" ? "\\" : "") c
		}
		return "'\''" o "'\''"
	}
	BEGIN {
		s = ENVIRON["MDX_DB"]; conn = ""; pw = ""
		if (s !~ /=/ && s !~ /^postgres(ql)?:\/\//) {
			# A database name alone.
			conn = s
		} else if (s ~ /^postgres(ql)?:\/\//) {
			p = index(s, "://"); scheme = substr(s, 1, p + 2)
			rest = substr(s, p + 3)
			q = ""
			if ((i = index(rest, "?")) > 0) {
				q = substr(rest, i + 1); rest = substr(rest, 1, i - 1)
			}
			auth = rest; path = ""
			if ((i = index(rest, "/")) > 0) {
				auth = substr(rest, 1, i - 1); path = substr(rest, i)
			}
			if ((i = index(auth, "@")) > 0) {
				# The last "@" ends the user part.
				while ((j = index(substr(auth, i + 1), "@")) > 0)
					i += j
				user = substr(auth, 1, i - 1); host = substr(auth, i)
				if ((j = index(user, ":")) > 0) {
					pw = unpct(substr(user, j + 1))
					user = substr(user, 1, j - 1)
				}
				auth = user host
			}
			n = split(q, kv, "&"); q = ""
			for (i = 1; i <= n; i++) {
				if (kv[i] ~ /^password=/)
					pw = unpct(substr(kv[i], 10))
				else if (kv[i] != "")
					q = q (q == "" ? "" : "&") kv[i]
			}
			conn = scheme auth path (q == "" ? "" : "?" q)
		} else {
			i = 1; n = length(s)
			while (i <= n) {
				while (i <= n && substr(s, i, 1) ~ /[ \t\n\r\f\v]/) i++
				if (i > n) break
				k = ""
				while (i <= n && substr(s, i, 1) !~ /[= \t\n\r\f\v]/) {
					k = k substr(s, i, 1); i++
				}
				while (i <= n && substr(s, i, 1) ~ /[ \t\n\r\f\v]/) i++
				if (substr(s, i, 1) != "=") { bad = 1; break }
				i++
				while (i <= n && substr(s, i, 1) ~ /[ \t\n\r\f\v]/) i++
				v = ""
				if (substr(s, i, 1) == "'\''") {
					i++
					while (i <= n && substr(s, i, 1) != "'\''") {
						if (substr(s, i, 1) == "\\") i++
						v = v substr(s, i, 1); i++
					}
					if (i > n) { bad = 1; break }
					i++
				} else {
					while (i <= n && substr(s, i, 1) !~ /[ \t\n\r\f\v]/) {
						if (substr(s, i, 1) == "\\") i++
						v = v substr(s, i, 1); i++
					}
				}
				if (k == "password")
					pw = v
				else
					conn = conn (conn == "" ? "" : " ") k "=" quote(v)
			}
			if (bad) exit 1
		}
		printf "%s", mode == "password" ? pw : conn
	}'
}

# mdx_psql ARGS: psql -X -v ON_ERROR_STOP=1 ARGS on the warehouse of
# MDX_DB (else of libpq's PG* variables).  A password in MDX_DB never goes
# on psql's command line, which every user of the host can read in
# /proc/PID/cmdline: it is taken out of the connection string and handed
# to psql in PGPASSWORD, which only the same user can read.
mdx_psql() {
	if [ -z "${MDX_DB:-}" ]; then
		psql -X -v ON_ERROR_STOP=1 "$@"
		return
	fi
	_conn=$(mdx_conninfo conn) ||
	    { mdx_log "bad MDX_DB: not a connection string"; return 2; }
	_pw=$(mdx_conninfo password)
	if [ -n "$_pw" ]; then
		PGPASSWORD=$_pw psql -X -v ON_ERROR_STOP=1 ${_conn:+"$_conn"} "$@"
	else
		psql -X -v ON_ERROR_STOP=1 ${_conn:+"$_conn"} "$@"
	fi
}

mdx_load_config
if [ "$mdx_installed" = 1 ]; then
	MDX_VAR=${MDX_VAR:-$mdx_vardir}
	MDX_WATCHLIST=${MDX_WATCHLIST:-$mdx_confdir/watchlist}
	# The installed programs, whatever PATH cron or systemd gave.
	PATH=$mdx_bindir:$PATH
	export PATH
else
	# var is beside pipelines/ in the checkout, not in the caller's working
	# directory: every job, status and cron-run find the same lake and
	# state wherever they are started from.
	MDX_VAR=${MDX_VAR:-$(cd "$MDX_PIPELINES/.." && pwd)/var}
	MDX_WATCHLIST=${MDX_WATCHLIST:-$MDX_SRC/cron/watchlist}
fi
MDX_LAKE=${MDX_LAKE:-$MDX_VAR/lake}
MDX_STATE=${MDX_STATE:-$MDX_VAR/state}
export MDX_JOB
MDX_ROLLUPS=${MDX_ROLLUPS:-1h,1d}
MDX_INDICATORS=${MDX_INDICATORS:-rsi:14,macd:12:26:9,bbands:20:2,atr:14,ema:50}
export MDX_VAR MDX_LAKE MDX_STATE MDX_WATCHLIST MDX_ROLLUPS MDX_INDICATORS
if [ -n "${MDX_BUILD:-}" ]; then
	PATH=$MDX_BUILD:$PATH
	export PATH
fi
