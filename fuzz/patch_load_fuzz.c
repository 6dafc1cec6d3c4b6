/* patch_load_fuzz.c — libFuzzer target for the patch-file reader. Owns one
 * thing: feeding arbitrary bytes to ns_patch_load() (src/patch/patch_read.c)
 * exactly as a patch file on disk, and releasing what a successful load
 * returns with ns_patch_free(). Each input is written to a fresh memfd (a
 * regular file, as the reader requires) opened through /proc/self/fd/N; the
 * fd is closed before returning, so no state survives between inputs.
 * Built and run by `make fuzz` (see the Makefile), never by `make check`. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "patch/patch.h"

/* Writes all of DATA to FD; 0 on success. */
static int write_all(int fd, const uint8_t *data, size_t size)
{
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			return -1;
		data += n;
		size -= (size_t)n;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_patch patch;
	char path[64];
	char err[512];
	int fd = memfd_create("ns-fuzz-patch", MFD_CLOEXEC);

	if (fd < 0) {
		perror("memfd_create");
		return 0;
	}
	if (write_all(fd, data, size)) {
		perror("write");
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (ns_patch_load(path, &patch, err, sizeof(err)) == 0)
		ns_patch_free(&patch);
	close(fd);
	return 0;
}
