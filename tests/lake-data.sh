# lake-data.sh - synthetic raw kline records (HACKING.md "Raw records") for
# the lake tests and the lake, load and transform benchmarks; sourced, POSIX
# sh.
#
# gen_raw N SYMBOLS START [STEP]: N records per symbol (comma-separated
# SYMBOLS, Binance spot, interval 1m), the first at epoch second START,
# STEP seconds apart (default 60), symbol after symbol; about 330 bytes a
# record.
gen_raw() {
	awk -v n="$1" -v syms="$2" -v start="$3" -v step="${4:-60}" 'BEGIN {
		ns = split(syms, s, ",")
		for (k = 1; k <= ns; k++)
			for (i = 0; i < n; i++) {
				t = start + i * step
				o = 42000 + (i * 7919) % 1000 + k
				printf "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"%s\",\"interval\":\"1m\",\"time\":\"%s\",\"source\":\"rest\",\"request\":\"GET /api/v3/klines?symbol=%s&interval=1m&startTime=%d000&limit=1000\",\"fetched_at\":\"%s.120Z\",\"closed\":true,\"data\":[%d000,\"%d.58000000\",\"%d.62000000\",\"%d.02000000\",\"%d.01000000\",\"%d.92000000\",%d999,\"1518922.10000000\",%d,\"18.10000000\",\"765432.10000000\",\"0\"]}\n", s[k], strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), s[k], t, strftime("%Y-%m-%dT%H:%M:%S", t + 86400, 1), t, o, o + 15, o - 22, o + 2, i % 97, t + 59, 1000 + i % 500
			}
	}'
}

# gen_raw_random N START_MS OPEN SPREAD FETCHED_AT [FIELDS]: N records of
# Binance spot BTCUSDT 1m klines, the first at epoch millisecond START_MS,
# one a minute, with random (seeded, so always the same) prices about
# OPEN + SPREAD * rand() and volumes; FIELDS, when given, go in before
# "fetched_at" (a comma ends them).  About 335 bytes a record without
# FIELDS.
gen_raw_random() {
	awk -v n="$1" -v t0="$2" -v base="$3" -v spread="$4" -v fetched="$5" \
	    -v fields="${6:-}" 'BEGIN {
		srand(1)
		for (i = 0; i < n; i++) {
			t = t0 + i * 60000
			o = base + int(rand() * spread) + rand()
			printf "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",%s\"fetched_at\":\"%s\",\"closed\":true,\"data\":[%.0f,\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",%.0f,\"%.8f\",%d,\"%.8f\",\"%.8f\",\"0\"]}\n", \
			    fields, fetched, t, o, o + 60, o - 60, \
			    o + rand() * 20 - 10, rand() * 100, t + 59999, \
			    rand() * 4e6, int(rand() * 5000), rand() * 50, \
			    rand() * 2e6
		}
	}'
}
