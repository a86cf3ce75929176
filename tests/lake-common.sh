# lake-common.sh - the mdx-lake tests that run on every backend; sourced by
# tests/lake.t (local directory) and tests/lake-s3.t (s3rver) after they
# define:
#
#	newlake NAME	point MDX_LAKE at a fresh, empty lake called NAME
#	obj_path KEY	the file that holds the stored object KEY, for tests
#			that corrupt it behind the lake's back
. "$MDX_SRC/tests/lake-data.sh"

D=2024-01-01T00:00:00Z
EPOCH=1704067200	# 2024-01-01T00:00:00Z

# Sum of the rows ls lists.
ls_rows() { mdx-lake ls "$@" | awk -F '\t' '{ n += $3 } END { print n + 0 }'; }

# ------------------------------------------------------------------------
# put is a tee, and cat gives back what was put.
newlake roundtrip
gen_raw 2000 BTCUSDT "$EPOCH" >"$T/one"
mdx-lake put raw <"$T/one" >"$T/tee" 2>"$T/err"
is "$?" 0 "put exits 0"
files_eq "$T/tee" "$T/one" "put copies stdin to stdout byte for byte"
is "$(cat "$T/err")" "" "put is quiet on success"
mdx-lake cat raw >"$T/back"
is "$?" 0 "cat exits 0"
files_eq "$T/back" "$T/one" "put/cat round trip of one symbol is byte-exact"
is "$(mdx-lake ls raw | wc -l)" 2 "2000 minutes span two partition days"
is "$(ls_rows raw)" 2000 "ls counts 2000 rows"

# Several symbols: each partition comes back exactly.
gen_raw 1500 ETHUSDT,SOLUSDT "$EPOCH" >"$T/two"
mdx-lake put raw <"$T/two" >/dev/null
grep '"ETHUSDT"' "$T/two" >"$T/eth"
mdx-lake cat raw symbol=ETHUSDT >"$T/back"
files_eq "$T/back" "$T/eth" "cat symbol=ETHUSDT gives that symbol's records exactly"
mdx-lake cat raw symbol=ETHUSDT,SOLUSDT date=2024-01-01 | wc -l >"$T/n"
is "$(tr -d ' ' <"$T/n")" 2880 "comma lists and date= select partitions"
cat "$T/one" "$T/two" | sort >"$T/all.sorted"
mdx-lake cat | sort >"$T/back.sorted"
files_eq "$T/back.sorted" "$T/all.sorted" "cat of the whole lake holds every record once"
mdx-lake cat raw >"$T/ordered"
awk -F'"time":"' '{ split($2, a, "\""); print a[1] }' "$T/ordered" |
    cut -c1-10 >"$T/days"
sort -c "$T/days" 2>/dev/null
is "$?" 0 "cat streams partition days in time order"
mdx-lake cat raw --since 2024-01-01T10:00:00Z --until 2024-01-01T12:00:00Z \
    symbol=BTCUSDT >"$T/win"
is "$(wc -l <"$T/win" | tr -d ' ')" 120 "--since/--until select records in [since, until)"
like "$(head -1 "$T/win")" '"time":"2024-01-01T10:00:00Z"' "the window starts at --since"

# ------------------------------------------------------------------------
# Partitioning by the records' own fields.
newlake parts
{
	printf '%s\n' '{"kind":"candle","exchange":"okx","market":"swap","symbol":"BTC-USDT-SWAP","interval":"1h","open_time":"2024-03-05T23:00:00Z","open":"1"}'
	printf '%s\n' '{"mdx":"raw","exchange":"bybit","market":"linear","kind":"depth","symbol":"BTCUSDT","time":"2024-03-06T01:30:00+02:00","data":{}}'
	printf '%s\n' '{"mdx":"raw","exchange":"binance","market":"spot","kind":"instruments","symbol":"ETHBTC","interval":null,"time":"2024-03-07T00:00:00.5Z","data":{}}'
} >"$T/mixed"
mdx-lake put canonical <"$T/mixed" >/dev/null
is "$?" 0 "records of several kinds are stored"
mdx-lake ls | cut -f1 | sed 's,/[^/]*$,,' | sort >"$T/dirs"
cat >"$T/want" <<'EOF'
canonical/exchange=binance/market=spot/kind=instruments/symbol=ETHBTC/date=2024-03-07
canonical/exchange=bybit/market=linear/kind=depth/symbol=BTCUSDT/date=2024-03-05
canonical/exchange=okx/market=swap/kind=candle/symbol=BTC-USDT-SWAP/interval=1h/date=2024-03-05
EOF
files_eq "$T/dirs" "$T/want" "partitions: interval only when present, date of time or open_time in UTC"
mdx-lake ls --json symbol=BTC-USDT-SWAP >"$T/json"
like "$(cat "$T/json")" '"rows":1,' "ls --json gives the rows"
like "$(cat "$T/json")" '"sha256":"[0-9a-f]{64}"' "ls --json gives the checksum"
like "$(cat "$T/json")" '"min_time":"2024-03-05T23:00:00Z"' "ls --json gives the first time"

# ------------------------------------------------------------------------
# Objects roll over at the size limit; many partitions at once.
newlake roll
mdx-lake put -s 8k raw <"$T/one" >/dev/null
n=$(mdx-lake ls | wc -l)
ok "test $n -gt 6" "objects roll over at --object-size ($n objects)"
mdx-lake cat raw >"$T/back"
files_eq "$T/back" "$T/one" "rolled-over objects replay in order, byte-exact"
newlake lru
gen_raw 300 AAA,BBB,CCC,DDD,EEE "$EPOCH" 60 | sort -s -t '"' -k 28,28 >"$T/inter"
mdx-lake put -o 2 raw <"$T/inter" >/dev/null
is "$?" 0 "put with 5 interleaved partitions and --max-open 2"
ok "test $(mdx-lake ls | wc -l) -gt 5" "partitions beyond --max-open are finished and reopened"
grep '"CCC"' "$T/inter" >"$T/ccc"
mdx-lake cat raw symbol=CCC >"$T/back"
files_eq "$T/back" "$T/ccc" "each partition still replays in input order"
is "$(ls_rows)" 1500 "no record lost"

# ------------------------------------------------------------------------
# Bad records: reported with their line, not stored, still passed on.
newlake rejects
{
	sed -n 1,3p "$T/one"
	echo 'not json'
	echo '{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","interval":"1m","time":"2024-01-01T00:00:00Z"}'
	sed -n 4p "$T/one"
	echo '[1,2]'
	echo '{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","time":"yesterday"}'
	echo ''
	sed -n 5p "$T/one"
} >"$T/bad"
mdx-lake put raw <"$T/bad" >"$T/tee" 2>"$T/err"
is "$?" 65 "put with bad records exits 65"
files_eq "$T/tee" "$T/bad" "bad records are still copied to stdout"
like "$(cat "$T/err")" 'bad record: bad JSON.*\(at stdin:4\)' "bad JSON is named with its line"
like "$(cat "$T/err")" 'bad record: missing "symbol" \(at stdin:5\)' "a missing partition field is named with its line"
like "$(cat "$T/err")" 'not a JSON object \(at stdin:7\)' "a non-object is named"
like "$(cat "$T/err")" '"time" value "yesterday" is not an RFC 3339 time \(at stdin:8\)' "a bad time is named"
like "$(cat "$T/err")" '9 records, 5 stored in 1 objects, 4 rejected' "records in = stored + rejected"
is "$(ls_rows)" 5 "the good records are stored"

# ------------------------------------------------------------------------
# Consumer marks.
newlake marks
gen_raw 1440 BTCUSDT "$EPOCH" >"$T/day1"
gen_raw 1440 BTCUSDT $((EPOCH + 86400)) >"$T/day2"
mdx-lake put raw <"$T/day1" >/dev/null
exits 1 "commit with nothing pending exits 1" mdx-lake commit load
mdx-lake cat --new load raw | false && mdx-lake commit load
mdx-lake cat --new load raw >"$T/c1"
files_eq "$T/c1" "$T/day1" "a failed consumer reads the same objects again"
mdx-lake commit load
is "$?" 0 "commit exits 0"
mdx-lake cat --new load raw >"$T/c2"
is "$(wc -c <"$T/c2" | tr -d ' ')" 0 "a consumer that committed does not read again"
mdx-lake commit load
mdx-lake put raw <"$T/day2" >/dev/null
mdx-lake cat --new load raw >"$T/c3" && mdx-lake commit load
files_eq "$T/c3" "$T/day2" "it reads only what is new"
mdx-lake cat --new other raw | wc -l >"$T/n"
is "$(tr -d ' ' <"$T/n")" 2880 "another consumer has marks of its own"
MDX_NOW=2024-02-01T00:00:00Z mdx-lake archive --older-than 7d >/dev/null
mdx-lake cat --new load raw >"$T/c4"
is "$(wc -c <"$T/c4" | tr -d ' ')" 0 "archived objects keep their marks"
mdx-lake cat --new other raw >"$T/c5"
is "$(wc -l <"$T/c5" | tr -d ' ')" 2880 "an uncommitted consumer reads them from the archives"

# ------------------------------------------------------------------------
# verify, corrupt objects, archives.
newlake verify
mdx-lake put raw <"$T/two" >/dev/null
exits 0 "verify of a good lake exits 0" mdx-lake verify
is "$(grep -c '^ok' "$T/out")" 4 "verify checks every object"
key=$(mdx-lake ls symbol=ETHUSDT date=2024-01-01 | cut -f1)
p=$(obj_path "$key")
size=$(wc -c <"$p")
printf 'XXXXXXXX' | dd of="$p" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
exits 65 "verify of a corrupt object exits 65" mdx-lake verify
like "$(cat "$T/err")" "corrupt object \"$key\"" "verify names the corrupt object"
is "$(grep -c '^corrupt' "$T/out")" 1 "only that object is corrupt"
exits 65 "cat of a corrupt object exits 65" mdx-lake cat raw symbol=ETHUSDT
like "$(cat "$T/err")" "corrupt object \"$key\"" "cat names the corrupt object"
key2=$(mdx-lake ls symbol=SOLUSDT date=2024-01-02 | cut -f1)
p=$(obj_path "$key2")
head -c 200 "$p" >"$T/trunc" && cat "$T/trunc" >"$p"
mdx-lake verify >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "corrupt object \"$key2\": .*(truncated|checksum)" "a truncated object is named"
exits 65 "archive refuses a day with a corrupt object" \
    env MDX_NOW=2024-02-01T00:00:00Z mdx-lake archive --older-than 7d
exits 65 "the corrupt object is still there and still corrupt" mdx-lake verify

newlake archive
mdx-lake put raw <"$T/two" >/dev/null
MDX_NOW=2024-01-10T00:00:00Z mdx-lake archive --older-than 7d --dry-run >"$T/out"
is "$(grep -c '^would archive' "$T/out")" 4 "archive --dry-run names the days"
is "$(mdx-lake ls | grep -vc '/compact-')" 4 "and changes nothing"
exits 0 "archive --older-than 7d" env MDX_NOW=2024-01-10T00:00:00Z mdx-lake archive --older-than 7d
is "$(grep -c '^archived' "$T/out")" 4 "one compacted object per partition day"
is "$(mdx-lake ls | grep -vc '/compact-')" 0 "the objects are gone"
is "$(mdx-lake ls | grep -c '/compact-[^/]*\.ndjson\.gz	')" 4 "ls shows the compacted objects instead"
mdx-lake cat | sort >"$T/back.sorted"
sort "$T/two" >"$T/two.sorted"
files_eq "$T/back.sorted" "$T/two.sorted" "cat reads inside archives"
mdx-lake cat raw symbol=ETHUSDT >"$T/back"
files_eq "$T/back" "$T/eth" "archived partition replays byte-exact"
exits 0 "verify checks archives" mdx-lake verify
is "$(grep -c '^ok.*/compact-' "$T/out")" 4 "every compacted object verified"
mdx-lake stats >"$T/stats"
like "$(cat "$T/stats")" 'symbol=ETHUSDT/interval=1m +2 +1500 ' "stats: objects and rows per partition"
like "$(cat "$T/stats")" 'total +4 +3000 ' "stats: total"
like "$(cat "$T/stats")" 'symbol=SOLUSDT/interval=1m 2024-01-01 +1440 +1440 100.0%' "stats: coverage of a full day"
like "$(cat "$T/stats")" 'symbol=ETHUSDT/interval=1m 2024-01-02 +60 +1440 4.2%' "stats: coverage of a partial day"
mdx-lake stats --json >"$T/sj"
like "$(grep '"total"' "$T/sj")" '"objects":4,"rows":3000' "stats --json total"
akey=$(mdx-lake ls symbol=ETHUSDT date=2024-01-01 | cut -f1)
p=$(obj_path "$akey")
head -c $(($(wc -c <"$p") - 100)) "$p" >"$T/trunc" && cat "$T/trunc" >"$p"
exits 65 "verify of a truncated archive exits 65" mdx-lake verify
like "$(cat "$T/err")" "corrupt compacted object \"$akey\"" "verify names the truncated compacted object"
exits 65 "cat of a truncated archive exits 65" mdx-lake cat raw symbol=ETHUSDT date=2024-01-01
MDX_NOW=2024-01-20T00:00:00Z mdx-lake prune --older-than 30d >"$T/out"
is "$(wc -l <"$T/out" | tr -d ' ')" 0 "prune keeps archives within retention"
MDX_NOW=2024-02-01T12:00:00Z mdx-lake prune --older-than 30d --dry-run >"$T/out"
is "$(grep -c '^would delete' "$T/out")" 2 "prune --dry-run names the archives of 2024-01-01"
is "$(mdx-lake ls | wc -l | tr -d ' ')" 4 "prune --dry-run deletes nothing"
MDX_NOW=2024-02-01T12:00:00Z mdx-lake prune --older-than 30d >"$T/out"
is "$(grep -c '^deleted' "$T/out")" 2 "prune deletes archives past retention"
is "$(mdx-lake ls | cut -f1 | grep -c 'date=2024-01-02')" 2 "and keeps the rest"

# ------------------------------------------------------------------------
# Atomicity: kill -9 during put and during archive.
newlake killput
gen_raw 3000 BTCUSDT,ETHUSDT,XRPUSDT "$EPOCH" >"$T/big"
mkfifo "$T/fifo"
mdx-lake put -s 4k raw <"$T/fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$T/fifo"
head -n 5000 "$T/big" >&3
i=0
until [ "$(mdx-lake ls 2>/dev/null | wc -l)" -ge 3 ] || [ $i -gt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 $pid
wait $pid
st=$?
exec 3>&-
is "$st" 137 "put killed with SIGKILL in the middle of its input"
exits 0 "verify after kill -9 of put: nothing corrupt" mdx-lake verify
mdx-lake cat >"$T/after" 2>"$T/err"
is "$?" 0 "cat after the kill reads only whole objects"
is "$(wc -l <"$T/after" | tr -d ' ')" "$(ls_rows)" "every visible object is complete"
sort "$T/big" >"$T/big.sorted"
sort "$T/after" | comm -23 - "$T/big.sorted" >"$T/extra"
is "$(wc -l <"$T/extra" | tr -d ' ')" 0 "every record read back was put"
mdx-lake put raw <"$T/big" >/dev/null
mdx-lake cat | sort -u | cmp -s - "$T/big.sorted"
is "$?" 0 "a rerun of the put stores everything"

newlake killobj
MDX_LAKE_KILL_AT=put-object mdx-lake put raw <"$T/one" >/dev/null 2>&1
is "$?" 137 "put killed between an object and its manifest"
exits 0 "verify: the object without manifest is not corrupt" mdx-lake verify
ok "grep -q '^incomplete' '$T/out'" "verify names it incomplete"
mdx-lake ls | cut -f1 >"$T/listed"
grep '^incomplete' "$T/out" | cut -f2 >"$T/inc"
is "$(grep -c -F -x -f "$T/inc" "$T/listed")" 0 "ls does not show it"
is "$(mdx-lake cat | wc -l | tr -d ' ')" "$(ls_rows)" "cat reads only the complete objects"

for step in archive-written archive-committed archive-manifest archive-delete; do
	newlake "kill-$step"
	mdx-lake put raw <"$T/two" >/dev/null
	MDX_NOW=2024-01-10T00:00:00Z MDX_LAKE_KILL_AT=$step \
	    mdx-lake archive --older-than 7d >/dev/null 2>&1
	is "$?" 137 "archive killed at $step"
	exits 0 "verify after the kill at $step" mdx-lake verify
	mdx-lake cat | sort >"$T/back.sorted"
	files_eq "$T/back.sorted" "$T/two.sorted" "nothing lost or doubled after the kill at $step"
	exits 0 "archive runs again after $step" \
	    env MDX_NOW=2024-01-10T00:00:00Z mdx-lake archive --older-than 7d
	mdx-lake cat | sort >"$T/back.sorted"
	files_eq "$T/back.sorted" "$T/two.sorted" "everything archived once after $step"
	is "$(mdx-lake ls | grep -vc '/compact-')" 0 "no object left beside the compacted objects after $step"
done
