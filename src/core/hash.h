/*
 * hash.h - a fast 64-bit hash for content fingerprints (not cryptographic).
 * Reads 8 bytes at a time with a multiply-xorshift mix; several GB/s on one core.
 */
#ifndef PP_HASH_H
#define PP_HASH_H

#include "core/common.h"

uint64_t pp_hash64(const void *data, size_t len, uint64_t seed);

#endif
