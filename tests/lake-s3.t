#!/bin/sh
# lake-s3.t - mdx-lake on the S3 backend, against s3rver on loopback: the
# same tests as lake.t (tests/lake-common.sh), and what only S3 has.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

s3_start
MDX_S3_PROTOCOL=http
export MDX_S3_PROTOCOL
newlake() { MDX_LAKE=s3://$S3_BUCKET/$1; export MDX_LAKE; _lake=$1; }
# s3rver keeps an object's bytes in a file of its own.
obj_path() { printf '%s/%s/%s/%s._S3rver_object\n' "$T/s3" "$S3_BUCKET" "$_lake" "$1"; }

. "$MDX_SRC/tests/lake-common.sh"

newlake s3only
TMPDIR=$T/stage
export TMPDIR
mkdir -p "$TMPDIR"
mdx-lake put raw <"$T/one" >/dev/null
is "$?" 0 "put to S3"
is "$(ls -A "$TMPDIR" | wc -l | tr -d ' ')" 0 "staging files are gone after the PUTs"
key=$(mdx-lake ls | head -1 | cut -f1)
sha=$(sha256sum "$(obj_path "$key")" | cut -d' ' -f1)
is "$(mdx-lake ls | head -1 | cut -f6)" "$sha" "the stored object has the manifest's checksum"
ok "test -f '$(obj_path "_manifests/$key.manifest")'" "the manifest is an object of its own, under _manifests/"
gen_raw 20 BTCUSDT "$EPOCH" 86400 >"$T/many"
mdx-lake put raw <"$T/many" >/dev/null
is "$(mdx-lake ls date=2024-01-15 | wc -l | tr -d ' ')" 1 "listing finds objects among many keys"
exits 0 "a prefix inside the bucket keeps lakes apart" \
    env MDX_LAKE=s3://$S3_BUCKET/elsewhere mdx-lake verify
is "$(wc -l <"$T/out" | tr -d ' ')" 0 "the other prefix is empty"
unset TMPDIR

exits 78 "an unknown bucket is a configuration error" \
    env MDX_LAKE=s3://no-such-bucket/x mdx-lake ls
like "$(cat "$T/err")" 'NoSuchBucket' "the message says why"
exits 69 "an endpoint that does not answer is unavailable" \
    env MDX_S3_ENDPOINT=127.0.0.1:1 mdx-lake ls
exits 78 "a bad MDX_S3_PROTOCOL is a configuration error" \
    env MDX_S3_PROTOCOL=ftp mdx-lake ls

# ------------------------------------------------------------------------
# Signatures: s3rver's front (tests/mock/s3auth.js) checks each request's
# AWS Signature Version 4 as S3 does, so every request above was signed
# right; here, what happens when it is not.
newlake signed
exits 78 "a wrong secret is a configuration error" \
    env AWS_SECRET_ACCESS_KEY=not-the-secret mdx-lake put raw <"$T/one"
# put first lists the partition it writes to (what it holds already).
like "$(cat "$T/err")" '^mdx-lake: s3 LIST "s3://mdx-test/signed/raw/[^"]*/date=2024-01-01/" at 127\.0\.0\.1:[0-9]+: SignatureDoesNotMatch: The request signature we calculated does not match' \
    "the message names the operation, the key and S3's code and message"
like "$(cat "$T/err")" 'check the secret access key' "and says what to check"
ok "! grep -q not-the-secret '$T/err'" "the message does not show the secret"
is "$(wc -l <"$T/err" | tr -d ' ')" 1 "one line, no retries shown"
exits 78 "a wrong secret fails a listing too" \
    env AWS_SECRET_ACCESS_KEY=not-the-secret mdx-lake ls
like "$(cat "$T/err")" 's3 LIST "s3://mdx-test/signed/".*SignatureDoesNotMatch' "named as a LIST"
exits 78 "an unknown access key is a configuration error" \
    env AWS_ACCESS_KEY_ID=NOBODY mdx-lake ls
like "$(cat "$T/err")" 'InvalidAccessKeyId.*check the access key id' "the message says which key to check"

# Keys with bytes that must be percent-encoded are signed as sent (the
# listings of more than 1000 keys, continued, are the lru lake's above).
mdx-lake put raw <"$T/one" >/dev/null
exits 0 "objects whose keys need encoding (=) are stored and listed" mdx-lake ls
is "$(mdx-lake cat raw | wc -l | tr -d ' ')" "$(wc -l <"$T/one" | tr -d ' ')" "and read back"

# A key the lake did not write, with bytes S3 escapes in its listings
# (&amp; &lt; &gt;), does not break the listing of the lake's own.  curl's
# own --aws-sigv4 signs the PUT.
printf 'not a lake object\n' >"$T/foreign"
fsha=$(sha256sum "$T/foreign" | cut -d' ' -f1)
curl -sS -f --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
    -H "x-amz-content-sha256: $fsha" -T "$T/foreign" \
    "http://$MDX_S3_ENDPOINT/$S3_BUCKET/signed/raw/a%26b%3Cc%3E%22d%27.txt" >/dev/null 2>"$T/curlerr"
is "$?" 0 "a foreign object is stored beside the lake's"
nobj=$(find "$T/s3/$S3_BUCKET/signed" -name '*.ndjson.gz._S3rver_object' | wc -l | tr -d ' ')
exits 0 "the listing reads escaped keys" mdx-lake ls
is "$(wc -l <"$T/out" | tr -d ' ')" "$nobj" "and lists every object of the lake's"

# The region is part of the signature: a server in another region refuses.
s3_front euw1 --region eu-west-1
exits 78 "a request signed for another region is refused" \
    env MDX_S3_ENDPOINT="$euw1" mdx-lake ls
like "$(cat "$T/err")" "AuthorizationHeaderMalformed: .*the region 'us-east-1' is wrong; expecting 'eu-west-1'.*check MDX_S3_REGION" \
    "the message has S3's words and names MDX_S3_REGION"
exits 0 "MDX_S3_REGION signs for that region" \
    env MDX_S3_ENDPOINT="$euw1" MDX_S3_REGION=eu-west-1 mdx-lake ls
is "$(wc -l <"$T/out" | tr -d ' ')" "$(mdx-lake ls | wc -l | tr -d ' ')" "and lists the same objects"
exits 78 "a bad MDX_S3_REGION is a configuration error" \
    env MDX_S3_REGION=eu:west mdx-lake ls

# Temporary credentials: the session token goes in x-amz-security-token
# and is signed.
s3_front tokfront --session-token tok-123
exits 78 "temporary credentials without their token are refused" \
    env MDX_S3_ENDPOINT="$tokfront" mdx-lake ls
like "$(cat "$T/err")" 'InvalidToken.*AWS_SESSION_TOKEN' "the message names AWS_SESSION_TOKEN"
exits 78 "a wrong token is refused" \
    env MDX_S3_ENDPOINT="$tokfront" AWS_SESSION_TOKEN=tok-999 mdx-lake ls
exits 0 "AWS_SESSION_TOKEN is sent and signed" \
    env MDX_S3_ENDPOINT="$tokfront" AWS_SESSION_TOKEN=tok-123 mdx-lake ls
is "$(wc -l <"$T/out" | tr -d ' ')" "$(mdx-lake ls | wc -l | tr -d ' ')" "and lists the objects"
creds=$T/creds
printf '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\naws_session_token = tok-123\n' >"$creds"
chmod 600 "$creds"
exits 0 "aws_session_token in the credentials file is used" \
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    AWS_SHARED_CREDENTIALS_FILE="$creds" MDX_S3_ENDPOINT="$tokfront" mdx-lake ls

# Addressing: virtual-hosted style puts the bucket in the host name
# (s3rver takes BUCKET.s3.localhost; libcurl resolves *.localhost to
# loopback itself).
vhost=s3.localhost:${MDX_S3_ENDPOINT##*:}
exits 0 "virtual-hosted style lists the lake" \
    env MDX_S3_ENDPOINT="$vhost" MDX_S3_STYLE=virtual mdx-lake ls
is "$(wc -l <"$T/out" | tr -d ' ')" "$(mdx-lake ls | wc -l | tr -d ' ')" "the same objects as path style"
exits 0 "virtual-hosted style puts" \
    env MDX_S3_ENDPOINT="$vhost" MDX_S3_STYLE=virtual MDX_LAKE=s3://$S3_BUCKET/vhost mdx-lake put raw <"$T/one"
ok "test -f '$T/s3/$S3_BUCKET/vhost/$(mdx-lake -L s3://$S3_BUCKET/vhost ls | head -1 | cut -f1)._S3rver_object'" \
    "into the bucket the host names"

# S3 under load: 503 SlowDown is tried again, and a failure that lasts
# past the tries is temporary (75).
s3_front slow --slow-down 2
exits 0 "two 503 SlowDown answers are tried again" \
    env MDX_S3_ENDPOINT="$slow" mdx-lake ls
is "$(wc -l <"$T/out" | tr -d ' ')" "$(mdx-lake ls | wc -l | tr -d ' ')" "and the listing is whole"
s3_front slow --slow-down 1000
exits 75 "a 503 that lasts is a temporary failure" \
    env MDX_S3_ENDPOINT="$slow" mdx-lake ls
like "$(cat "$T/err")" 'SlowDown: Please reduce your request rate\. \(HTTP 503\) \(after 4 tries\)' \
    "the message says how often it was tried"

exits 78 "a bad MDX_S3_STYLE is a configuration error" \
    env MDX_S3_STYLE=dns mdx-lake ls
exits 78 "virtual-hosted style refuses a bucket name that is no host name" \
    env MDX_S3_STYLE=virtual MDX_LAKE=s3://Mdx_Test/x mdx-lake ls
exits 78 "an endpoint with a path is refused" \
    env MDX_S3_ENDPOINT=127.0.0.1:1/x mdx-lake ls
done_testing
