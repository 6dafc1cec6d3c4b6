/* lock.c — the per-process lock of nonstop's operations (lock.h): a file
 * per target process in a private directory, held with flock. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lock.h"
#include "proc/pidstat.h"

/* A lock file that vanished under us (its holder removed it as we opened
 * it) is opened again; more than this many times in a row means something
 * else is going on. */
#define RETRIES 16

/* The directory of the lock files: private to the user running nonstop
 * (lock.h). Created if missing; refused if it is not a directory of this
 * user that nobody else can write (anyone who could write it could take
 * or remove the locks). */
static int lock_dir(char *dir, size_t len, struct ns_err *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	int n;

	if (geteuid() == 0)
		n = snprintf(dir, len, "/run/nonstop");
	else if (xdg && xdg[0] == '/')
		n = snprintf(dir, len, "%s/nonstop", xdg);
	else
		n = snprintf(dir, len, "/tmp/nonstop-%u", (unsigned)geteuid());
	if (n < 0 || (size_t)n >= len) {
		ns_err_set(err, "the lock directory's path is too long "
			 "(XDG_RUNTIME_DIR)");
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		ns_err_set(err, "cannot create the lock directory %s: %s",
			 dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		ns_err_set(err, "lock directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		ns_err_set(err, "the lock directory %s is not a directory of "
			 "user %u that only it can write (owner %u, mode %03o): "
			 "remove it", dir, (unsigned)geteuid(), (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

/* The start time of process PID (proc/pidstat.h): with the pid, it names
 * this process and no later one. */
static int start_time(pid_t pid, unsigned long long *t)
{
	struct ns_pidstat st;

	if (ns_pidstat_read(pid, 0, &st) < 0)
		return -1;
	*t = st.start;
	return 0;
}

/* The thread group of PID (/proc/PID/status, "Tgid:"), 0 if unknown. */
static pid_t thread_group(pid_t pid)
{
	char fn[64], line[128];
	pid_t tgid = 0;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/status", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)atoi(line + 5);
			break;
		}
	fclose(f);
	return tgid;
}

/* Says who holds the lock in FD (its holder wrote its pid in it). */
static void holder(int fd, pid_t pid, struct ns_err *err)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int who = n > 0 ? atoi(buf) : 0;

	if (who > 0)
		ns_err_set(err, "another nonstop (pid %d) is working on "
			 "process %d: try again when it is done", who, (int)pid);
	else
		ns_err_set(err, "another nonstop is working on process %d: "
			 "try again when it is done", (int)pid);
}

/* Whether FD is still the file at NAME in DIRFD: a holder that finished
 * removes the file, and whoever opened it before that must not count an
 * unlinked file as the lock. */
static bool still_linked(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 &&
	       fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : 1;
}

/* Opens and locks NAME in DIRFD. 0 held (L->fd); 1 busy; -1 error. */
static int take(int dirfd, const char *name, pid_t pid, struct ns_lock *l,
		struct ns_err *err)
{
	for (int i = 0; i < RETRIES; i++) {
		int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
				O_CLOEXEC, 0600);
		char me[32];
		int n;

		if (fd < 0) {
			ns_err_set(err, "cannot open the lock file %s: %s",
				 l->path, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			if (e == EWOULDBLOCK)
				holder(fd, pid, err);
			else
				ns_err_set(err, "cannot lock %s: %s", l->path,
					 strerror(e));
			close(fd);
			return e == EWOULDBLOCK ? 1 : -1;
		}
		if (!still_linked(dirfd, name, fd)) {
			close(fd);
			continue;
		}
		n = snprintf(me, sizeof(me), "%d\n", (int)getpid());
		/* Truncated only if a killed nonstop left it with content: on
		 * a disk file system (ext4's replace-by-truncate heuristic) a
		 * file truncated and written is flushed when closed, a cost
		 * every process of a host-wide command would pay. */
		if ((file_size(fd) > 0 && ftruncate(fd, 0) < 0) ||
		    pwrite(fd, me, (size_t)n, 0) != n) {
			ns_err_set(err, "cannot write the lock file %s: %s",
				 l->path, strerror(errno));
			close(fd);
			return -1;
		}
		l->fd = fd;
		return 0;
	}
	ns_err_set(err, "the lock file %s keeps vanishing", l->path);
	return -1;
}

int ns_lock_take(pid_t pid, struct ns_lock *l, struct ns_err *err)
{
	char dir[400], name[64];
	unsigned long long t;
	int dirfd, rc;

	l->fd = -1;
	if (start_time(pid, &t) < 0) {
		ns_err_set(err, "no process %d", (int)pid);
		return -1;
	}
	l->start = t;
	if (thread_group(pid) != pid) {
		ns_err_set(err, "%d is a thread of process %d, not a process: "
			 "give the process's id", (int)pid, (int)thread_group(pid));
		return -1;
	}
	if (lock_dir(dir, sizeof(dir), err) < 0)
		return -1;
	snprintf(name, sizeof(name), "%d-%llu.lock", (int)pid, t);
	snprintf(l->path, sizeof(l->path), "%s/%s", dir, name);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		ns_err_set(err, "lock directory %s: %s", dir, strerror(errno));
		return -1;
	}
	rc = take(dirfd, name, pid, l, err);
	close(dirfd);
	return rc;
}

int ns_lock_same_process(const struct ns_lock *l, pid_t pid, struct ns_err *err)
{
	unsigned long long t;

	if (l->fd < 0)
		return 0;
	if (start_time(pid, &t) == 0 && t == l->start)
		return 0;
	ns_err_set(err, "process %d exited (its id now names another "
		 "process)", (int)pid);
	return -1;
}

void ns_lock_drop(struct ns_lock *l)
{
	if (l->fd < 0)
		return;
	/* Removed while still held: whoever opens it meanwhile finds, once
	 * it has the lock, that it is no longer the file (still_linked). */
	unlink(l->path);
	close(l->fd);
	l->fd = -1;
}
