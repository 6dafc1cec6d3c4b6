/* checksum.h — the checksum that binds a patch to the bytes it replaces. */
#ifndef NONSTOP_CHECKSUM_H
#define NONSTOP_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/* 64-bit FNV-1a over LEN bytes. Not cryptographic: it detects a patch built
 * for other code, not an attacker (who can write any patch file anyway). */
uint64_t ns_checksum(const void *data, size_t len);
#endif
