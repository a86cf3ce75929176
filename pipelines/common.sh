# shellcheck shell=bash
# common.sh - sourced by every pipeline: configuration, locking, logging.
#
# Configuration, strongest first: the command line of each pipeline, the
# environment, then the config file ($MDX_CONFIG, else ./mdx.conf when it
# exists).  The config file holds KEY=VALUE lines (no shell code is run
# from it); a key already set in the environment is left alone.

MDX_PIPELINES=$(cd "$(dirname "$0")" && pwd)
MDX_SRC=${MDX_SRC:-$(cd "$MDX_PIPELINES/.." && pwd)}

mdx_load_config() {
	_cf=${MDX_CONFIG:-}
	if [ -z "$_cf" ] && [ -f ./mdx.conf ]; then
		_cf=./mdx.conf
	fi
	[ -n "$_cf" ] || return 0
	[ -r "$_cf" ] || mdx_fail 78 "cannot read config file '$_cf'"
	_ln=0
	while IFS= read -r _l || [ -n "$_l" ]; do
		_ln=$((_ln + 1))
		case $_l in
		''|'#'*) continue ;;
		esac
		_k=${_l%%=*}
		_v=${_l#*=}
		case $_k in
		MDX_*|PG*|AWS_*) ;;
		*) mdx_fail 78 "bad config line: '$_l' (at $_cf:$_ln)" ;;
		esac
		case $_k in
		*[!A-Za-z0-9_]*) mdx_fail 78 "bad config key '$_k' (at $_cf:$_ln)" ;;
		esac
		if eval "[ -z \"\${$_k+set}\" ]"; then
			export "$_k=$_v"
		fi
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

# mdx_lock: take the job's lock, so overlapping runs (a slow run still
# going when cron starts the next) never work at the same time.  A run
# that finds the lock taken exits 75 at once, and cron tries again later.
mdx_lock() {
	mkdir -p "$MDX_VAR/lock"
	exec 9>"$MDX_VAR/lock/$MDX_JOB.lock"
	if ! flock -n 9; then
		mdx_fail 75 "another $MDX_JOB run holds $MDX_VAR/lock/$MDX_JOB.lock"
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
# intervals" lines, comments and blank lines removed.
mdx_watchlist() {
	[ -r "$MDX_WATCHLIST" ] ||
	    mdx_fail 78 "cannot read watchlist '$MDX_WATCHLIST'"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$MDX_WATCHLIST"
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
MDX_VAR=${MDX_VAR:-./var}
MDX_LAKE=${MDX_LAKE:-$MDX_VAR/lake}
MDX_STATE=${MDX_STATE:-$MDX_VAR/state}
MDX_WATCHLIST=${MDX_WATCHLIST:-$MDX_SRC/cron/watchlist}
export MDX_JOB
MDX_ROLLUPS=${MDX_ROLLUPS:-1h,1d}
MDX_INDICATORS=${MDX_INDICATORS:-rsi:14,macd:12:26:9,bbands:20:2,atr:14,ema:50}
export MDX_VAR MDX_LAKE MDX_STATE MDX_WATCHLIST MDX_ROLLUPS MDX_INDICATORS
if [ -n "${MDX_BUILD:-}" ]; then
	PATH=$MDX_BUILD:$PATH
	export PATH
fi
