/*
 * sha256.h - SHA-256, for checksums (lake manifests).  Feed data with
 * update() in pieces of any size; final() and hex() end the computation
 * (init() again to reuse the state).
 */
#ifndef MDX_SHA256_H
#define MDX_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MDX_SHA256_LEN 32
#define MDX_SHA256_HEXLEN 64

struct mdx_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void mdx_sha256_init(struct mdx_sha256 *s);
void mdx_sha256_update(struct mdx_sha256 *s, const void *data, size_t n);
void mdx_sha256_final(struct mdx_sha256 *s, unsigned char out[MDX_SHA256_LEN]);
/* final() as 64 lowercase hex digits and a NUL. */
void mdx_sha256_hex(struct mdx_sha256 *s, char out[MDX_SHA256_HEXLEN + 1]);

#endif /* MDX_SHA256_H */
