/* checksum.c — FNV-1a, used to fingerprint replaced functions and patches. */
#include "util/checksum.h"

uint64_t ns_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
