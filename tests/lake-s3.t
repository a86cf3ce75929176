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
done_testing
