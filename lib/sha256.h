/*
 * sha256.h - SHA-256, for checksums (lake manifests, exchange archives),
 * computed by OpenSSL's libcrypto, which every program links anyway
 * through libpq and libcurl.
 *
 * A computation holds memory of libcrypto's from init() until it ends:
 *
 *	struct mdx_sha256 s;
 *
 *	mdx_sha256_init(&s);
 *	mdx_sha256_update(&s, p, n);	(any number of times, any sizes)
 *	mdx_sha256_hex(&s, hex);	(or final(); either ends it)
 *
 * A computation given up before final() or hex() must be ended with
 * release().  After it ends, init() starts a new one in the same state.
 * init() must not be called on a computation that has not ended: its
 * memory would be lost.
 */
#ifndef MDX_SHA256_H
#define MDX_SHA256_H

#include <stddef.h>

#define MDX_SHA256_LEN 32
#define MDX_SHA256_HEXLEN 64

/* The context of libcrypto, NULL when no computation is under way (a state
 * of all zero bytes is an ended one). */
struct mdx_sha256 {
	struct evp_md_ctx_st *ctx;
};

/* Starts a computation.  Ends the program (exit 1) when libcrypto cannot,
 * which only happens when memory is exhausted. */
void mdx_sha256_init(struct mdx_sha256 *s);
void mdx_sha256_update(struct mdx_sha256 *s, const void *data, size_t n);
/* The digest; ends the computation. */
void mdx_sha256_final(struct mdx_sha256 *s, unsigned char out[MDX_SHA256_LEN]);
/* final() as 64 lowercase hex digits and a NUL. */
void mdx_sha256_hex(struct mdx_sha256 *s, char out[MDX_SHA256_HEXLEN + 1]);
/* Ends a computation without its digest; does nothing to one that has
 * already ended. */
void mdx_sha256_release(struct mdx_sha256 *s);

#endif /* MDX_SHA256_H */
