/*
 * dedup.h - dropping duplicates from a candle stream in bounded memory
 * (dedup.c): the last `window` distinct candles are held (about 500
 * bytes each); a candle with the key of a held one is a duplicate and
 * replaces it when mdx_candle_supersedes() says so.  Candles come out in the
 * order their keys first appeared, at most `window` candles late.
 */
#ifndef MDX_DEDUP_H
#define MDX_DEDUP_H

#include "candle.h"

struct mdx_dedup;

struct mdx_dedup *mdx_dedup_new(size_t window);
void mdx_dedup_free(struct mdx_dedup *d);
/*
 * Offers c.  Returns 1 when c was a duplicate (then dropped or kept in the
 * place of the held one), else 0.  *evicted is set to the oldest candle
 * when it had to leave to make room (write it out), else NULL; it stays
 * valid until the next call.
 */
int mdx_dedup_put(struct mdx_dedup *d, const struct mdx_candle *c,
    const struct mdx_candle **evicted);
/* At the end of input: the held candles, oldest first, then NULL. */
const struct mdx_candle *mdx_dedup_pop(struct mdx_dedup *d);

#endif /* MDX_DEDUP_H */
