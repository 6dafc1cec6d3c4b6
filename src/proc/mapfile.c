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
/* A path the target may have chosen is first opened O_PATH: no device's or
 * file system's open routine runs (a watchdog device armed by root's open,
 * a FUSE server asked), and it is opened for reading only once it is known
 * to be the mapped regular file (reopen). */
#define PATH_FLAGS (O_PATH | O_CLOEXEC)

/* Whether FD is a regular file and, if CHECK_ID, the one M maps. */
static bool is_mapped_file(int fd, const struct ns_map *m, bool check_id)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	return !check_id || (st.st_ino == m->inode && st.st_dev == m->dev);
}

/* FD (O_PATH), if it is a regular file and (CHECK_ID) the one M maps,
 * opened for reading; else -1. FD is closed either way. */
static int reopen(int fd, const struct ns_map *m, bool check_id)
{
	char fn[64];
	int rd = -1;

	if (fd < 0)
		return -1;
	if (is_mapped_file(fd, m, check_id)) {
		snprintf(fn, sizeof(fn), "/proc/self/fd/%d", fd);
		rd = open(fn, OPEN_FLAGS);
	} else {
		/* Not a regular file; or a path to another file than the
		 * mapped one (replaced since, or planted). */
		errno = is_mapped_file(fd, m, false) ? ESTALE : EINVAL;
	}
	close(fd);
	return rd;
}

/* The kernel's reference to the mapped file: by definition the file, but
 * opened for reading only if it is a regular one (a device the target
 * mapped is not opened again by root). Its inode number is not compared
 * with the maps line's: on an overlay file system the two may differ. */
static int by_map_files(pid_t pid, const struct ns_map *m)
{
	char fn[96];
	int fd;

	snprintf(fn, sizeof(fn), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	fd = open(fn, PATH_FLAGS);
	if (fd < 0)
		return -1;
	return reopen(fd, m, false);
}

/* The program itself, if M maps it. */
static int by_exe(pid_t pid, const struct ns_map *m)
{
	char fn[64];

	snprintf(fn, sizeof(fn), "/proc/%d/exe", (int)pid);
	return reopen(open(fn, PATH_FLAGS), m, true);
}

/* M's path, resolved inside the target's root: absolute symlinks and ".."
 * cannot leave it, magic links are not followed. */
static int in_root(pid_t pid, const struct ns_map *m)
{
	struct open_how how = {
		.flags = PATH_FLAGS,
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
	return reopen(fd, m, true);
}

int ns_mapfile_open(pid_t pid, const struct ns_map *m, struct ns_err *err)
{
	int fd = by_map_files(pid, m), e = errno;

	/* Without the right to open map_files (EPERM), or refused by the
	 * file system (EACCES: FUSE without allow_other refuses root), the
	 * file is reached by a path: only if it is the mapped inode. */
	if (fd < 0 && (e == EPERM || e == EACCES)) {
		fd = by_exe(pid, m);
		if (fd < 0)
			fd = in_root(pid, m);
		if (fd < 0)
			e = errno;
	}
	if (fd >= 0)
		return fd;
	if (e == EINVAL)
		ns_err_set(err, "the file mapped at 0x%llx in process %d (%s) "
			 "is not a regular file", (unsigned long long)m->start,
			 (int)pid, m->path);
	else if (e == ESTALE)
		ns_err_set(err, "the file at %s in process %d is not the "
			 "one mapped at 0x%llx (replaced since)", m->path, (int)pid,
			 (unsigned long long)m->start);
	else
		ns_err_set(err, "cannot open the file mapped at 0x%llx in "
			 "process %d (%s): %s", (unsigned long long)m->start,
			 (int)pid, m->path, strerror(e));
	return -1;
}

int ns_mapfile_open_at(pid_t pid, unsigned long long addr, struct ns_err *err)
{
	struct ns_maps maps;
	const struct ns_map *m;
	int fd = -1;

	if (ns_maps_read(pid, &maps) < 0) {
		ns_err_set(err, "cannot read the maps of process %d: %s",
			 (int)pid, strerror(errno));
		return -1;
	}
	m = ns_maps_find(&maps, addr);
	if (m)
		fd = ns_mapfile_open(pid, m, err);
	else
		ns_err_set(err, "nothing is mapped at 0x%llx in process %d",
			 addr, (int)pid);
	ns_maps_free(&maps);
	return fd;
}
