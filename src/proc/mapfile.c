/* mapfile.c — opening the file behind a mapping of a target (mapfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc/mapfile.h"

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/* Whether FD is a regular file and, if CHECK_ID, the one M maps. */
static bool is_mapped_file(int fd, const struct ns_map *m, bool check_id)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	return !check_id || (st.st_ino == m->inode && st.st_dev == m->dev);
}

/* The kernel's reference to the mapped file. */
static int by_map_files(pid_t pid, const struct ns_map *m)
{
	char fn[96];

	snprintf(fn, sizeof(fn), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	return open(fn, OPEN_FLAGS);
}

/* The program itself, if M maps it. */
static int by_exe(pid_t pid, const struct ns_map *m)
{
	char fn[64];
	int fd;

	snprintf(fn, sizeof(fn), "/proc/%d/exe", (int)pid);
	fd = open(fn, OPEN_FLAGS);
	if (fd >= 0 && !is_mapped_file(fd, m, true)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* M's path, resolved inside the target's root: absolute symlinks and ".."
 * cannot leave it, magic links are not followed. */
static int in_root(pid_t pid, const struct ns_map *m)
{
	struct open_how how = {
		.flags = OPEN_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char fn[64];
	int root, fd;

	if (m->path[0] != '/')
		return -1;
	snprintf(fn, sizeof(fn), "/proc/%d/root", (int)pid);
	root = open(fn, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, root, m->path, &how, sizeof(how));
	close(root);
	return fd;
}

int ns_mapfile_open(pid_t pid, const struct ns_map *m, char *err, size_t errlen)
{
	int fd = by_map_files(pid, m), e = errno;
	bool kernel = fd >= 0;

	if (fd < 0 && (e == EPERM || e == EACCES)) {
		fd = by_exe(pid, m);
		if (fd < 0)
			fd = in_root(pid, m);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the file mapped at 0x%llx in "
			 "process %d (%s): %s", (unsigned long long)m->start,
			 (int)pid, m->path, strerror(kernel ? errno : e));
		return -1;
	}
	/* What map_files gives is the mapped file by definition (its inode
	 * number may still differ from the maps line's on an overlay file
	 * system); a path is accepted only if it leads to that inode. */
	if (!is_mapped_file(fd, m, !kernel)) {
		close(fd);
		snprintf(err, errlen, "the file at %s in process %d is not the "
			 "file mapped at 0x%llx (replaced, or not a regular file)",
			 m->path, (int)pid, (unsigned long long)m->start);
		return -1;
	}
	return fd;
}

int ns_mapfile_open_at(pid_t pid, unsigned long long addr, char *err,
		       size_t errlen)
{
	struct ns_maps maps;
	const struct ns_map *m;
	int fd = -1;

	if (ns_maps_read(pid, &maps) < 0) {
		snprintf(err, errlen, "cannot read the maps of process %d: %s",
			 (int)pid, strerror(errno));
		return -1;
	}
	m = ns_maps_find(&maps, addr);
	if (m)
		fd = ns_mapfile_open(pid, m, err, errlen);
	else
		snprintf(err, errlen, "nothing is mapped at 0x%llx in process %d",
			 addr, (int)pid);
	ns_maps_free(&maps);
	return fd;
}
