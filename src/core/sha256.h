/*
 * sha256.h - SHA-256 (FIPS 180-4), for API keys (the configuration stores the digest of
 * a key, never the key, and requests are checked by hashing what they present), and
 * HMAC-SHA256 for signing requests to S3.
 */
#ifndef PP_SHA256_H
#define PP_SHA256_H

#include "core/common.h"

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
void sha256(const void *data, size_t len, uint8_t out[32]);

/* HMAC-SHA256 (RFC 2104), for request signatures (AWS SigV4). */
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, uint8_t out[32]);
/* Lower-case hex of a digest. */
void sha256_hex(const uint8_t digest[32], char out[65]);
/* Compares two digests in time independent of where they differ. */
bool sha256_equal(const uint8_t a[32], const uint8_t b[32]);

#endif
