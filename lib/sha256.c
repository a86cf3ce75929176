/*
 * sha256.c - SHA-256 (FIPS 180-4) through libcrypto's EVP interface, for
 * the checksums of lake objects.  libcrypto's assembly runs several times
 * faster than portable C, and it is linked into every program anyway.
 */
#include <openssl/evp.h>

#include "err.h"
#include "sha256.h"

/* Every EVP call here fails only when memory is exhausted: there is no
 * input a digest can refuse. */
static void
check(int ok)
{
	if (!ok)
		mdx_die(MDX_EX_FAIL, "out of memory (SHA-256)");
}

void
mdx_sha256_init(struct mdx_sha256 *s)
{
	if ((s->ctx = EVP_MD_CTX_new()) == NULL)
		check(0);
	check(EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL));
}

void
mdx_sha256_update(struct mdx_sha256 *s, const void *data, size_t n)
{
	check(EVP_DigestUpdate(s->ctx, data, n));
}

void
mdx_sha256_final(struct mdx_sha256 *s, unsigned char out[MDX_SHA256_LEN])
{
	check(EVP_DigestFinal_ex(s->ctx, out, NULL));
	mdx_sha256_release(s);
}

void
mdx_sha256_hex(struct mdx_sha256 *s, char out[MDX_SHA256_HEXLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[MDX_SHA256_LEN];
	int i;

	mdx_sha256_final(s, d);
	for (i = 0; i < MDX_SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[MDX_SHA256_HEXLEN] = '\0';
}

void
mdx_sha256_release(struct mdx_sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}
