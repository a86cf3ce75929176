#!/bin/sh
# deps.sh - install everything mdx needs to build, test and run its demo on
# Debian 12: the -dev libraries, PostgreSQL 15 with pgTAP, the tools the
# tests use, and the npm packages of the test-only servers (s3rver and
# aws4, which checks its signatures; the talib oracle; ccxt for the
# benchmark).
#
# As root it installs with apt-get; otherwise it prints the exact apt-get
# line and stops with status 1 if anything is missing.
set -eu

PKGS="gcc make pkg-config perl
libcurl4-openssl-dev libjansson-dev libpq-dev libarchive-dev libdeflate-dev
zlib1g-dev libssl-dev ca-certificates curl
postgresql-15 postgresql-client-15 postgresql-15-pgtap
libtap-parser-sourcehandler-pgtap-perl
mandoc jq nodejs libarchive-tools time shellcheck util-linux libxml2-utils
clang libclang-rt-14-dev"

cd "$(dirname "$0")/.."

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

# Debian's nodejs ships npm apart; some nodejs builds include it.
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "deps: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing
	else
		echo "deps: missing Debian packages; as root, run:" >&2
		echo "  apt-get install -y$missing" >&2
		exit 1
	fi
fi

# The test-only servers and oracles.  node-gyp builds talib's TA-Lib C
# sources against the headers of Debian's nodejs, offline.  DuckDB
# (@duckdb/node-api, for tests/lake-engines.t) comes as a prebuilt binding
# with its JSON reader linked in: it needs no network once installed.
if [ ! -d tests/node/node_modules/s3rver ] ||
    [ ! -d tests/node/node_modules/aws4 ] ||
    [ ! -d tests/node/node_modules/talib/build ] ||
    [ ! -d tests/node/node_modules/ccxt ] ||
    [ ! -d tests/node/node_modules/@duckdb/node-api ]; then
	echo "deps: installing the npm packages of tests/node"
	if [ -f /usr/include/node/node.h ]; then
		npm_config_nodedir=/usr
		export npm_config_nodedir
	fi
	(cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
node -e 'require("./tests/node/node_modules/talib")' ||
    { echo "deps: the talib npm package did not build" >&2; exit 1; }
node -e 'require("./tests/node/node_modules/@duckdb/node-api")' ||
    { echo "deps: the @duckdb/node-api npm package does not load" >&2; exit 1; }
echo "deps: all dependencies are installed"
