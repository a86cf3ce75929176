#!/bin/sh
# ndjson.t - the NDJSON reader and the checked writer in a real process
# (the unit test program's "cat" mode): pipes, compressed stdin arriving in
# dribbles, a reader that goes away, a full disk, bad lines and a truncated
# gzip, with exit statuses and messages.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

tn=$MDX_BUILD/tests/test-ndjson
cd "$T" || bail "cd $T"

awk 'BEGIN { srand(2); for (i = 0; i < 20000; i++)
	printf "{\"n\":%d,\"pad\":\"%.10f\"}\n", i, rand() }' >in.ndjson
gzip -c in.ndjson >in.gz

exits 0 "plain file" "$tn" cat in.ndjson
files_eq out in.ndjson "plain file copied exactly"

"$tn" cat <in.gz >out 2>err
is "$?" 0 "gzip on stdin"
files_eq out in.ndjson "gzip on stdin decompressed"

# The magic number arrives one byte at a time through a pipe.
{
	head -c 1 in.gz; sleep 0.2
	tail -c +2 in.gz | head -c 1; sleep 0.2
	tail -c +3 in.gz
} | "$tn" cat >out 2>err
is "$?" 0 "gzip through a slow pipe"
files_eq out in.ndjson "gzip through a slow pipe decompressed"

printf 'a\r\nb\n\n' | "$tn" cat - in.ndjson >out 2>err
is "$(head -2 out)" "a
b" "CRLF stripped on stdin, then the file"
is "$(wc -l <out | tr -d ' ')" 20002 "stdin and the file, all lines"

# A reader that goes away: SIGPIPE ends the writer quietly.
{ "$tn" cat in.ndjson in.ndjson in.ndjson in.ndjson 2>err; echo $? >st; } |
    head -1 >/dev/null
is "$(cat st)" 141 "closed pipe: status 141"
is "$(cat err)" "" "closed pipe: nothing on stderr"

if [ -w /dev/full ]; then
	"$tn" cat in.ndjson >/dev/full 2>err
	is "$?" 74 "/dev/full: status 74"
	is "$(cat err)" "test-ndjson: write error on 'stdout': No space left on device" \
	    "/dev/full: the message"
else
	_tap_result 1 "/dev/full is not writable here"
fi

printf 'ok\nbad\000x\nok2\n' >bad.ndjson
exits 65 "bad lines: status 65" "$tn" cat bad.ndjson
is "$(cat out)" "ok
ok2" "bad lines: the good ones still out"
is "$(cat err)" "test-ndjson: bad line: NUL byte at column 4 (at bad.ndjson:2)" \
    "bad lines: reason and position"

MAXLINE=10 "$tn" cat in.ndjson >out 2>err
is "$?" 65 "MAXLINE=10: every line too long"
is "$(head -1 err)" "test-ndjson: bad line: line too long (more than 10 bytes) (at in.ndjson:1)" \
    "too long: the message"

head -c $(($(wc -c <in.gz) - 100)) in.gz >trunc.gz
exits 65 "truncated gzip: status 65" "$tn" cat trunc.gz in.ndjson
is "$(cat err)" "test-ndjson: cannot read 'trunc.gz': truncated gzip input" \
    "truncated gzip: the message names the file"
n=$(wc -l <out | tr -d ' ')
ok "[ $n -gt 0 ] && [ $n -lt 20000 ]" "truncated gzip: the lines before it are out"
is "$(head -1 out)" "$(head -1 in.ndjson)" "truncated gzip: they are right"

exits 74 "missing file: status 74" "$tn" cat nosuch.ndjson
is "$(cat err)" "test-ndjson: cannot open 'nosuch.ndjson': No such file or directory" \
    "missing file: the message"

done_testing
