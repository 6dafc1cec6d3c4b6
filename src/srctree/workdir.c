/* workdir.c — the private work directory of `nonstop build --src`: made
 * fresh (mkdtemp) or, with --work, checked on its open descriptor before it
 * is reused; files created in it exclusively, tools started in it. See
 * workdir.h for why. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srctree/workdir.h"
#include "util/err.h"

/* Marks a directory as nonstop's: only such a one (or an empty one) is
 * reused, so --work never clears a directory of the user's by mistake. */
#define MARKER ".nonstop-work"
#define MARKER_TEXT "nonstop build --src work directory\n"

/* Opens PATH as W without following a symlink, and checks what was opened:
 * a directory of the effective user's that no one else can write to. */
static int pin(struct ns_workdir *w, const char *path, struct ns_err *err)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || (errno == ENOTDIR && !lstat(path, &st) &&
				       S_ISLNK(st.st_mode)))
			return ns_err_set(err, "work directory %s: is a symbolic link, which "
				       "nonstop does not follow; name a real directory", path);
		return ns_err_set(err, "work directory %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st)) {
		ns_err_set(err, "work directory %s: %s", path, strerror(errno));
		goto bad;
	}
	if (st.st_uid != geteuid()) {
		ns_err_set(err, "work directory %s: owned by uid %u, not by the user "
			"running nonstop (uid %u); choose another with --work", path,
			(unsigned)st.st_uid, (unsigned)geteuid());
		goto bad;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		ns_err_set(err, "work directory %s: writable by %s (mode %04o); "
			"choose another with --work, or chmod go-w it", path,
			st.st_mode & S_IWOTH ? "others" : "its group",
			(unsigned)(st.st_mode & 07777));
		goto bad;
	}
	if (!(w->path = strdup(path))) {
		ns_err_set(err, "out of memory");
		goto bad;
	}
	w->fd = fd;
	return 0;
bad:
	close(fd);
	return -1;
}

/* 1 if the directory open as FD holds nothing, 0 if it holds something,
 * -1 if it cannot be read. */
static int is_empty(int fd)
{
	int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;
	DIR *dir;
	int empty = 1;

	if (d < 0)
		return -1;
	if (!(dir = fdopendir(d))) {
		close(d);
		return -1;
	}
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(dir);
	return empty;
}

static int has_marker(int fd)
{
	struct stat st;

	return !fstatat(fd, MARKER, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode);
}

int ns_workdir_fresh(struct ns_workdir *w, const char *template,
		     struct ns_err *err)
{
	char *path = strdup(template);
	int rc = -1;

	w->fd = -1;
	w->path = NULL;
	if (!path)
		return ns_err_set(err, "out of memory");
	if (!mkdtemp(path))
		ns_err_set(err, "cannot create a work directory %s: %s", template,
			strerror(errno));
	else if (!pin(w, path, err))
		rc = ns_workdir_write(w, MARKER, MARKER_TEXT, strlen(MARKER_TEXT), err);
	free(path);
	if (rc)
		ns_workdir_close(w);
	return rc;
}

/* Removes the entries STALE of W (rm -rf inside it: a symlink is removed,
 * never followed). */
static int clear_stale(const struct ns_workdir *w, const char *const stale[],
		       struct ns_err *err)
{
	size_t n = 0;
	char **argv;
	int rc;

	while (stale[n])
		n++;
	if (!n)
		return 0;
	if (!(argv = calloc(n + 4, sizeof(*argv))))
		return ns_err_set(err, "out of memory");
	argv[0] = "rm";
	argv[1] = "-rf";
	argv[2] = "--";
	memcpy(argv + 3, stale, n * sizeof(*argv));
	rc = ns_workdir_run(w, NULL, -1, argv);
	free(argv);
	if (rc)
		return ns_err_set(err, "work directory %s: cannot remove what the previous "
			       "run left (rm exited %d)", w->path, rc);
	return 0;
}

int ns_workdir_reuse(struct ns_workdir *w, const char *path,
		     const char *const stale[], struct ns_err *err)
{
	int empty;

	w->fd = -1;
	w->path = NULL;
	if (mkdir(path, 0700) && errno != EEXIST)
		return ns_err_set(err, "cannot create the work directory %s: %s", path,
			       strerror(errno));
	if (pin(w, path, err))
		return -1;
	if (has_marker(w->fd)) {
		if (clear_stale(w, stale, err))
			goto bad;
		return 0;
	}
	empty = is_empty(w->fd);
	if (empty < 0) {
		ns_err_set(err, "work directory %s: %s", path, strerror(errno));
		goto bad;
	}
	if (!empty) {
		ns_err_set(err, "the work directory %s exists and is not one of "
			"nonstop's; remove it or choose another with --work", path);
		goto bad;
	}
	if (ns_workdir_write(w, MARKER, MARKER_TEXT, strlen(MARKER_TEXT), err))
		goto bad;
	return 0;
bad:
	ns_workdir_close(w);
	return -1;
}

int ns_workdir_create(const struct ns_workdir *w, const char *name,
		      struct ns_err *err)
{
	int fd = openat(w->fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0600);

	if (fd < 0)
		ns_err_set(err, "cannot create %s/%s: %s", w->path, name, strerror(errno));
	return fd;
}

int ns_workdir_write(const struct ns_workdir *w, const char *name,
		     const char *s, size_t n, struct ns_err *err)
{
	int fd = ns_workdir_create(w, name, err);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < n) {
		ssize_t k = write(fd, s + done, n - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			ns_err_set(err, "cannot write %s/%s: %s", w->path, name,
				k < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		done += (size_t)k;
	}
	if (close(fd))
		return ns_err_set(err, "cannot write %s/%s: %s", w->path, name,
			       strerror(errno));
	return 0;
}

int ns_workdir_run(const struct ns_workdir *w, const char *sub, int logfd,
		   char *const argv[])
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int out = logfd >= 0 ? logfd : open("/dev/null", O_WRONLY | O_CLOEXEC);

		/* Started from the descriptor, not the path: the tool works in
		 * the directory that was checked, whatever its path names now. */
		if (in < 0 || out < 0 || fchdir(w->fd) || (sub && chdir(sub)))
			_exit(127);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int ns_workdir_check(const struct ns_workdir *w, struct ns_err *err)
{
	struct stat now, held;

	if (lstat(w->path, &now) || fstat(w->fd, &held) || now.st_dev != held.st_dev ||
	    now.st_ino != held.st_ino)
		return ns_err_set(err, "work directory %s: was moved or replaced while "
			       "nonstop built in it", w->path);
	return 0;
}

void ns_workdir_close(struct ns_workdir *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	w->fd = -1;
	w->path = NULL;
}
