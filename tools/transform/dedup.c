/*
 * dedup.c - dropping duplicate candles from a stream in bounded memory.
 *
 * The last `window` distinct candles are held in a ring, oldest first, and
 * indexed by a chained hash table on their key.  A candle whose key is held
 * is a duplicate: it replaces the held one when mdx_candle_supersedes()
 * says so, and is dropped otherwise.  A new key goes to the ring; when the
 * ring is full the oldest candle leaves it and is handed back to be
 * written.  Output order is the order of first appearance.  The ring has
 * one slot more than the window, so the candle handed back stays in place
 * (no copy) until the next call.
 *
 * The hash runs for every candle, so it is made to be cheap and kind to the
 * cache: the names are hashed a word at a time, and the open time enters
 * about in seconds, not scrambled, so that the candles of a stream, which
 * come in time order, fall into buckets near each other.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "candle.h"

#include "dedup.h"

struct mdx_dedup {
	size_t window;		/* candles held at most */
	size_t size;		/* ring slots: window + 1 */
	size_t count;		/* candles held */
	size_t head;		/* index of the oldest */
	struct mdx_candle *ring;
	uint64_t *hash;		/* per slot: its key's hash */
	int32_t *next;		/* per slot: next in its chain, or -1 */
	int32_t *bucket;	/* per bucket: first slot, or -1 */
	uint64_t mask;
};

struct mdx_dedup *
mdx_dedup_new(size_t window)
{
	struct mdx_dedup *d;
	size_t nb, i;

	if (window < 1)
		window = 1;
	if (window > INT32_MAX / 2)
		window = INT32_MAX / 2;
	for (nb = 16; nb < window * 2; nb *= 2)
		;
	d = mdx_calloc(1, sizeof(*d));
	d->window = window;
	d->size = window + 1;
	d->ring = mdx_calloc(d->size, sizeof(*d->ring));
	d->hash = mdx_calloc(d->size, sizeof(*d->hash));
	d->next = mdx_calloc(d->size, sizeof(*d->next));
	d->bucket = mdx_calloc(nb, sizeof(*d->bucket));
	for (i = 0; i < nb; i++)
		d->bucket[i] = -1;
	d->mask = nb - 1;
	return d;
}

void
mdx_dedup_free(struct mdx_dedup *d)
{
	if (d == NULL)
		return;
	free(d->ring);
	free(d->hash);
	free(d->next);
	free(d->bucket);
	free(d);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * Mixes the C string in s (an array of n bytes, n a multiple of eight,
 * holding a NUL) into h a word at a time, up to its NUL; the bytes after
 * the NUL are masked off, as they need not be set.
 */
static uint64_t
mix_str(uint64_t h, const char *s, size_t n)
{
	uint64_t w, z;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		z = (w - ONES) & ~w & HIGHS;
		if (z != 0) {
			/* Keeps the bytes below the first NUL. */
			w &= (z ^ (z - 1)) >> 8;
			return (h ^ w) * UINT64_C(0x9e3779b97f4a7c15) + i;
		}
#else
		{
			size_t k;

			for (k = 0; k < 8 && s[i + k] != '\0'; k++)
				;
			if (k < 8) {
				w = 0;
				memcpy(&w, s + i, k);
				return (h ^ w) * UINT64_C(0x9e3779b97f4a7c15) +
				    i + k;
			}
		}
#endif
		h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 29;
	}
	return h;
}

static uint64_t
key_hash(const struct mdx_candle *c)
{
	uint64_t h = 0;

	h = mix_str(h, c->exchange, sizeof(c->exchange));
	h = mix_str(h, c->market, sizeof(c->market));
	h = mix_str(h, c->symbol, sizeof(c->symbol));
	h ^= (uint64_t)(uintptr_t)c->interval;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 32;
	return h + ((uint64_t)c->open_time >> 10);
}

/* Removes slot i from its hash chain. */
static void
unlink_slot(struct mdx_dedup *d, int32_t i)
{
	int32_t *p;

	for (p = &d->bucket[d->hash[i] & d->mask]; *p != -1;
	    p = &d->next[*p])
		if (*p == i) {
			*p = d->next[i];
			return;
		}
}

int
mdx_dedup_put(struct mdx_dedup *d, const struct mdx_candle *c,
    const struct mdx_candle **evicted)
{
	uint64_t h;
	int32_t i;
	size_t slot;

	*evicted = NULL;
	h = key_hash(c);
	for (i = d->bucket[h & d->mask]; i != -1; i = d->next[i])
		if (d->hash[i] == h && mdx_candle_same_key(&d->ring[i], c)) {
			if (mdx_candle_supersedes(c, &d->ring[i]))
				d->ring[i] = *c;
			return 1;
		}
	if (d->count == d->window) {
		slot = d->head;
		*evicted = &d->ring[slot];
		unlink_slot(d, (int32_t)slot);
		if (++d->head == d->size)
			d->head = 0;
		d->count--;
	}
	/* No division: it would cost more than the rest of the call. */
	if ((slot = d->head + d->count) >= d->size)
		slot -= d->size;
	d->ring[slot] = *c;
	d->hash[slot] = h;
	d->next[slot] = d->bucket[h & d->mask];
	d->bucket[h & d->mask] = (int32_t)slot;
	d->count++;
	return 0;
}

const struct mdx_candle *
mdx_dedup_pop(struct mdx_dedup *d)
{
	size_t slot;

	if (d->count == 0)
		return NULL;
	slot = d->head;
	unlink_slot(d, (int32_t)slot);
	if (++d->head == d->size)
		d->head = 0;
	d->count--;
	return &d->ring[slot];
}
