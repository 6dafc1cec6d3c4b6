/* patch_load_fuzz.c — libFuzzer target for the patch-file reader. Owns one
 * thing: feeding arbitrary bytes to ns_patch_load_mem()
 * (src/patch/patch_read.c), the loader ns_patch_load() runs on a file's
 * bytes, and releasing what a successful load returns with
 * ns_patch_free(). The first byte of an input says how the rest is fed:
 *   odd   the rest is a patch body: it gets a valid (unsigned) seal here,
 *         made by ns_seal_make() as `nonstop build` makes it, so that
 *         mutations get past the digest to the ELF and metadata checks;
 *   even  the rest is a whole patch file, seal included: the seal's own
 *         checks (and a signed seed's signature) are fuzzed too.
 * fuzz/make_seeds.sh writes every seed patch both ways. Nothing survives
 * between inputs. Built and run by `make fuzz` (see the Makefile), never
 * by `make check`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch.h"

/* Loads the LEN bytes at DATA as a patch file. */
static void load(const uint8_t *data, size_t len)
{
	struct ns_patch patch;
	struct ns_err err = { 0 };

	if (ns_patch_load_mem("fuzz-input", data, len, &patch, &err) == 0)
		ns_patch_free(&patch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_err err = { 0 };
	uint8_t *file;

	if (size == 0)
		return 0;
	if (!(data[0] & 1)) {
		load(data + 1, size - 1);
		return 0;
	}
	file = malloc(size - 1 + NS_SEAL_SIZE);
	if (!file)
		return 0;
	memcpy(file, data + 1, size - 1);
	if (ns_seal_make(file, size - 1, NULL, file + size - 1, &err))
		abort(); /* sealing cannot fail: a bug, not an input */
	load(file, size - 1 + NS_SEAL_SIZE);
	free(file);
	return 0;
}
