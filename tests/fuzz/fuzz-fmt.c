/*
 * fuzz-fmt.c - the double printer of mdx-indicators (tools/indicators/ind.c).
 *
 * The input is read as doubles, eight bytes each (the last ones padded
 * with zeros), any bit pattern.  Checked:
 * - mdx_fmt_doubles() prints every value as mdx_fmt_double() does, for
 *   the whole input at once and in batches of every size up to 20;
 * - the text is a JSON number ("null" for NaN and infinities, "0" for
 *   both zeros) that strtod() reads back as the same double;
 * - it has 17 significant digits but trailing zeros, and its digits are
 *   those of printf("%.17g") or, next to a tie, one unit apart in the
 *   last one.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "ind.h"

#define MAXV 256

static void
fuzz_setup(void)
{
}

/* The JSON number grammar, or "null". */
static int
is_json_number(const char *s)
{
	if (strcmp(s, "null") == 0)
		return 1;
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* The significant digits of a number's text, leading and trailing zeros
 * dropped, and its decimal exponent of the first digit. */
static int
digits_of(const char *s, char *d, int *exp10)
{
	int n = 0, seen = 0, point = -1, lead = 0, i = 0;

	for (; *s != '\0' && *s != 'e' && *s != 'E'; s++) {
		if (*s == '-')
			continue;
		if (*s == '.') {
			point = i;
			continue;
		}
		if (!seen && *s == '0') {
			lead++;
			i++;
			continue;
		}
		seen = 1;
		d[n++] = *s;
		i++;
	}
	if (point < 0)
		point = i;
	*exp10 = point - lead - 1 + (*s != '\0' ? atoi(s + 1) : 0);
	while (n > 0 && d[n - 1] == '0')
		n--;
	d[n] = '\0';
	return n;
}

/* A digit string as the integer of its first 17 digits, zeros added. */
static long long
int17(const char *d)
{
	long long x = 0;
	int i, end = 0;

	for (i = 0; i < 17; i++) {
		if (d[i] == '\0')
			end = 1;
		x = x * 10 + (end ? 0 : d[i] - '0');
	}
	return x;
}

/* Whether the texts with digits a, b and exponents ea, eb are one unit
 * of the 17th digit apart or less (across a power of ten too). */
static int
near(const char *a, int ea, const char *b, int eb)
{
	long long x = int17(a), y = int17(b);

	if (ea == eb)
		return x - y <= 1 && y - x <= 1;
	if (ea + 1 == eb)
		return x - 10 * y <= 10 && 10 * y - x <= 10;
	if (ea == eb + 1)
		return 10 * x - y <= 10 && y - 10 * x <= 10;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char txt[MAXV * MDX_DBL_BUFSZ];
	static int len[MAXV];
	double v[MAXV], back;
	char one[MDX_DBL_BUFSZ], ref[64], d1[32], d2[32], *end;
	int n, i, k, b, l, e1, e2, n1;

	n = (int)((size + 7) / 8);
	if (n > MAXV)
		n = MAXV;
	memset(v, 0, sizeof(v));
	memcpy(v, data, size < sizeof(v) ? size : sizeof(v));
	mdx_fmt_doubles(v, n, txt, len);
	for (i = 0; i < n; i++) {
		l = mdx_fmt_double(v[i], one);
		FUZZ_CHECK(l == len[i] && l == (int)strlen(one) &&
		    strcmp(one, txt + (size_t)i * MDX_DBL_BUFSZ) == 0,
		    "batch %s, alone %s (%a)", txt + (size_t)i * MDX_DBL_BUFSZ,
		    one, v[i]);
		FUZZ_CHECK(l < MDX_DBL_BUFSZ && is_json_number(one),
		    "not a JSON number: %s (%a)", one, v[i]);
		if (!isfinite(v[i])) {
			FUZZ_CHECK(strcmp(one, "null") == 0, "%s for %a", one,
			    v[i]);
			continue;
		}
		back = strtod(one, &end);
		FUZZ_CHECK(*end == '\0' && (back == v[i]) &&
		    (v[i] != 0 || strcmp(one, "0") == 0),
		    "%s reads back as %a, not %a", one, back, v[i]);
		if (v[i] == 0)
			continue;
		snprintf(ref, sizeof(ref), "%.17g", v[i]);
		n1 = digits_of(one, d1, &e1);
		digits_of(ref, d2, &e2);
		FUZZ_CHECK(n1 <= 17 && near(d1, e1, d2, e2),
		    "%s against %%.17g %s", one, ref);
	}
	for (b = 1; b <= 20 && b <= n; b++)
		for (k = 0; k + b <= n; k += b) {
			mdx_fmt_doubles(v + k, b, txt, len);
			for (i = 0; i < b; i++) {
				mdx_fmt_double(v[k + i], one);
				FUZZ_CHECK(strcmp(one, txt + (size_t)i *
				    MDX_DBL_BUFSZ) == 0, "batch of %d: %s, "
				    "alone %s", b, txt + (size_t)i *
				    MDX_DBL_BUFSZ, one);
			}
		}
	return 0;
}
