# etl.sh - the extract-to-load path of the bash pipelines (ingest,
# backfill, repair), sourced after common.sh.  It lives apart from
# common.sh because it needs bash (PIPESTATUS, arrays), while common.sh is
# also read by /bin/sh (mdx, cron-run under dash).
# shellcheck shell=bash

# mdx_etl DIR EXTRACT-ARGS...: the path of every fetch, with its lineage:
#
#	mdx-extract ARGS | mdx-lake put raw -k DIR/keys | mdx-transform
#	mdx-load -o KEY ... (the objects put wrote)
#
# The canonical records wait in DIR/canonical until put has committed its
# objects and said their keys, so that the run row mdx-load writes links
# the lake objects it loaded.  mdx-load runs even when a stage before it
# failed, and loads what came through.  Each program's stderr is kept in
# DIR/extract, DIR/lake, DIR/transform and DIR/load; mdx_st gets the four
# exit statuses, in that order.
mdx_etl() {
	_d=$1
	shift
	rm -f "$_d/keys"
	mdx-extract "$@" 2>"$_d/extract" |
	    mdx-lake put -k "$_d/keys" raw 2>"$_d/lake" |
	    mdx-transform >"$_d/canonical" 2>"$_d/transform"
	mdx_st=("${PIPESTATUS[@]}")
	_o=()
	if [ -f "$_d/keys" ]; then
		while IFS= read -r _k; do
			_o+=(-o "$_k")
		done <"$_d/keys"
	fi
	mdx-load "${_o[@]}" "$_d/canonical" 2>"$_d/load"
	mdx_st+=("$?")
}

# mdx_etl_lake DIR EXTRACT-ARGS...: fetch into the lake only (trades a
# watchlist entry keeps without loading them):
#
#	mdx-extract ARGS | mdx-lake put raw
#
# The stderr of each is kept in DIR/extract and DIR/lake; mdx_st gets the
# two exit statuses and 0 for the transform and load that do not run.
mdx_etl_lake() {
	_d=$1
	shift
	: >"$_d/transform"
	: >"$_d/load"
	mdx-extract "$@" 2>"$_d/extract" |
	    mdx-lake put raw 2>"$_d/lake" >/dev/null
	mdx_st=("${PIPESTATUS[@]}" 0 0)
}
