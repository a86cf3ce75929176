#!/bin/sh
# lake-security.t - mdx-lake never writes outside its lake whatever the
# records say, refuses unsafe names on the command line, refuses a
# credentials file others can read, and never shows the S3 secret.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_LAKE=$T/work/lake
export MDX_LAKE
mkdir -p "$T/work"
touch "$T/marker"
sleep 1

good='{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","interval":"1m","time":"2024-01-01T00:00:00Z","data":[]}'
# Each line is the good record with one member made hostile.
hostile() { printf '%s\n' "$good" | sed "s|$1|$2|"; }
{
	printf '%s\n' "$good"
	hostile '"symbol":"BTCUSDT"' '"symbol":"../../../../tmp/evil"'
	hostile '"symbol":"BTCUSDT"' '"symbol":"a/b"'
	hostile '"symbol":"BTCUSDT"' '"symbol":".."'
	hostile '"symbol":"BTCUSDT"' '"symbol":""'
	hostile '"symbol":"BTCUSDT"' '"symbol":".hidden"'
	hostile '"symbol":"BTCUSDT"' '"symbol":"\\u002e\\u002e"'
	hostile '"symbol":"BTCUSDT"' '"symbol":"a\\u002fb"'
	hostile '"symbol":"BTCUSDT"' '"symbol":"x\\u0000y"'
	hostile '"symbol":"BTCUSDT"' '"symbol":"bell\\u0007"'
	hostile '"symbol":"BTCUSDT"' "\"symbol\":\"$(printf '%070d' 0)\""
	hostile '"symbol":"BTCUSDT"' '"symbol":42'
	hostile '"exchange":"binance"' '"exchange":"..\\\\.."'
	hostile '"kind":"klines"' '"kind":"/etc"'
	hostile '"interval":"1m"' '"interval":"../1m"'
	hostile '"time":"2024-01-01T00:00:00Z"' '"time":"2024-01-01/../../x"'
	hostile '"market":"spot"' '"market":"sp\\tot"'
	printf '%s\n' "$good"
} >"$T/in"
exits 65 "put rejects records with unsafe partition values" mdx-lake put raw <"$T/in"
files_eq "$T/out" "$T/in" "and still copies them to stdout"
is "$(grep -c 'bad record' "$T/err")" 16 "each one is reported"
for n in 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
	grep -q "(at stdin:$n)" "$T/err" || echo "line $n not reported" >>"$T/missing"
done
is "$(cat "$T/missing" 2>/dev/null)" "" "with its line number"
like "$(sed -n 1p "$T/err")" '"symbol" value "../../../../tmp/evil" starts with a dot' "the message quotes the value"
like "$(grep 'stdin:9' "$T/err")" 'x\\x00y' "a NUL is shown escaped"
like "$(grep 'stdin:10' "$T/err")" 'bell\\x07' "a control character is shown escaped"
ok "! grep -q \"$(printf '\007')\" '$T/err'" "no raw control character reaches stderr"
like "$(grep 'stdin:11' "$T/err")" 'longer than 64 bytes' "an over-long value is refused"
is "$(find "$T" -newer "$T/marker" ! -path "$T/work/lake*" ! -path "$T/out" ! -path "$T/err" ! -path "$T/in" ! -path "$T/missing" -print | grep -v "^$T\$" | grep -v "^$T/work\$")" "" "nothing is created outside the lake"
find "$MDX_LAKE" -type d -name 'symbol=*' >"$T/dirs"
is "$(sed "s|^$MDX_LAKE/||" "$T/dirs" | sort | tr '\n' ' ')" "_manifests/raw/exchange=binance/market=spot/kind=klines/symbol=BTCUSDT raw/exchange=binance/market=spot/kind=klines/symbol=BTCUSDT " "only the good partition exists (and its manifests' tree)"
is "$(mdx-lake cat | wc -l | tr -d ' ')" 2 "the good records are stored"

exits 64 "a prefix with a slash is refused" mdx-lake put ../raw </dev/null
exits 64 "the marks directory is not a prefix" mdx-lake put _marks </dev/null
exits 64 "a selector value with a slash is refused" mdx-lake cat raw symbol=../x
exits 64 "an unknown selector field is refused" mdx-lake cat raw path=x
exits 64 "a consumer name with a slash is refused" mdx-lake cat --new ../x
exits 64 "commit refuses an unsafe name" mdx-lake commit ../../x
exits 78 "an unknown lake scheme is refused" mdx-lake -L http://x/y ls

# ------------------------------------------------------------------------
# Credentials and secrets, against s3rver.
s3_start
MDX_S3_PROTOCOL=http
MDX_LAKE=s3://$S3_BUCKET/sec
export MDX_S3_PROTOCOL MDX_LAKE
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
SECRET=sekrit-7d1c9a44e2b05f3e
# A front that takes this secret for s3rver's key, so that the secret
# signs for real and the runs below pass its check.
s3_front MDX_S3_ENDPOINT --secret "$SECRET"
HOME=$T/home
export HOME
mkdir -p "$HOME"
exits 78 "no credentials at all is a configuration error" mdx-lake ls
like "$(cat "$T/err")" 'no S3 credentials' "the message says what to set"
creds=$T/creds
printf '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = %s\n[other]\naws_access_key_id=S3RVER\naws_secret_access_key=%s\n' \
    "$SECRET" "$SECRET" >"$creds"
AWS_SHARED_CREDENTIALS_FILE=$creds
export AWS_SHARED_CREDENTIALS_FILE
chmod 644 "$creds"
exits 78 "a credentials file others can read is refused" mdx-lake ls
like "$(cat "$T/err")" "credentials file \"$creds\" is accessible by group or others \\(mode 644\\)" "the message names the file and its mode"
chmod 640 "$creds"
exits 78 "a credentials file the group can read is refused" mdx-lake ls
chmod 600 "$creds"
printf '%s\n' "$good" >"$T/one"
exits 0 "a private credentials file is used" mdx-lake put raw <"$T/one"
exits 0 "a profile is chosen with AWS_PROFILE" env AWS_PROFILE=other mdx-lake ls
exits 78 "a profile without keys is refused" env AWS_PROFILE=none mdx-lake ls
like "$(cat "$T/err")" 'profile "none"' "the message names the profile"
# A line that is no part of the file's format is an error with its
# position, not skipped: a secret on a mistyped line must not be ignored
# (nor shown), and a line longer than any buffer is one line.
badcreds=$T/badcreds
{
	printf '[default]\naws_access_key_id = S3RVER\n'
	printf 'aws_secret_access_key: %s\n' "$SECRET"
} >"$badcreds"
chmod 600 "$badcreds"
exits 78 "a line neither header nor KEY = VALUE is a configuration error" \
    env AWS_SHARED_CREDENTIALS_FILE="$badcreds" mdx-lake ls
is "$(cat "$T/err")" "mdx-lake: bad credentials file: $badcreds:3: not a section header or KEY = VALUE" \
    "the message names the file and the line, not its text"
printf '[default\naws_access_key_id = S3RVER\n' >"$badcreds"
exits 78 "a section header without its bracket is refused" \
    env AWS_SHARED_CREDENTIALS_FILE="$badcreds" mdx-lake ls
like "$(cat "$T/err")" "$badcreds:1: a section header without its closing" \
    "... at line 1"
{
	printf '[default]\n# %s' "$(head -c 3000 /dev/zero | tr '\0' x)"
	printf ' aws_secret_access_key = nope\n'
	printf 'aws_access_key_id = S3RVER\naws_secret_access_key = %s\n' "$SECRET"
} >"$badcreds"
exits 0 "a comment of 3000 bytes is one line, its end no key" \
    env AWS_SHARED_CREDENTIALS_FILE="$badcreds" mdx-lake ls

# The secret must not show in any output, on success or failure.
: >"$T/all"
run() { "$@" >>"$T/all" 2>&1; }
run mdx-lake -v -v put raw <"$T/one"
run mdx-lake -v -v ls
run mdx-lake -v -v verify
run env MDX_LAKE=s3://no-such-bucket/x mdx-lake -v -v ls
run env MDX_S3_ENDPOINT=127.0.0.1:1 mdx-lake -v -v ls
run env AWS_ACCESS_KEY_ID=WRONG AWS_SECRET_ACCESS_KEY=$SECRET mdx-lake -v -v ls
run env AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET mdx-lake -v -v put raw <"$T/one"
run env AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=x$SECRET mdx-lake -v -v put raw <"$T/one"
run env AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=tok-$SECRET mdx-lake -v -v ls
chmod 644 "$creds"
run mdx-lake -v -v ls
ok "test -s '$T/all'" "the runs printed something"
ok "! grep -q '$SECRET' '$T/all'" "the secret never appears in stdout or stderr"
like "$(cat "$T/all")" 'InvalidAccessKeyId' "a refused key is reported"
like "$(cat "$T/all")" 'SignatureDoesNotMatch' "a refused signature is reported"
done_testing
