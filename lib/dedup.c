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
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"

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
	h = mdx_candle_key_hash(c);
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
		d->head = (d->head + 1) % d->size;
		d->count--;
	}
	slot = (d->head + d->count) % d->size;
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
	d->head = (d->head + 1) % d->size;
	d->count--;
	return &d->ring[slot];
}
