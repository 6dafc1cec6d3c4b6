/* modcache.c — modules kept open across processes (see modcache.h).
 *
 * A kept module is named by the identity of its file: device, inode,
 * size, and the modification and change times. The kernel opened the
 * file (/proc/PID/map_files), so the identity is the kernel's, never a
 * path the target chose. A file written in place changes its change time
 * (which no user can set back) and so its identity: a process mapping it
 * afterwards gets it read again. The handles are read-only mappings of
 * the file (ELF_C_READ_MMAP), as link/target.c opens them. The state is
 * process-wide on purpose: it is what lives from one process to the next
 * in a job; it is bounded (KEEP_MAX files), and nothing is kept unless
 * the job asked for it. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link/modcache.h"

#define KEEP_MAX 64

struct kept {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int fd;
	Elf *elf;
};

static struct {
	bool on;
	unsigned reads;
	size_t n;
	struct kept v[KEEP_MAX];
} cache;

void ns_modcache_enable(void)
{
	cache.on = true;
}

static bool same(const struct kept *k, const struct stat *st)
{
	return k->dev == st->st_dev && k->ino == st->st_ino &&
	       k->size == st->st_size &&
	       k->mtime.tv_sec == st->st_mtim.tv_sec &&
	       k->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       k->ctime.tv_sec == st->st_ctim.tv_sec &&
	       k->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

bool ns_modcache_find(int *fd, Elf **elf)
{
	struct stat st;

	if (!cache.on || fstat(*fd, &st) < 0) {
		cache.reads++;
		return false;
	}
	for (size_t i = 0; i < cache.n; i++) {
		if (!same(&cache.v[i], &st))
			continue;
		close(*fd);
		*fd = cache.v[i].fd;
		*elf = cache.v[i].elf;
		return true;
	}
	cache.reads++;
	return false;
}

unsigned ns_modcache_reads(void)
{
	return cache.reads;
}

bool ns_modcache_keep(int fd, Elf *elf)
{
	struct stat st;
	struct kept *k;

	if (!cache.on || cache.n == KEEP_MAX || fstat(fd, &st) < 0)
		return false;
	k = &cache.v[cache.n++];
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->size = st.st_size;
	k->mtime = st.st_mtim;
	k->ctime = st.st_ctim;
	k->fd = fd;
	k->elf = elf;
	return true;
}
