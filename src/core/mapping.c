/* mapping.c — creating and removing the mapping a patch lives in, with
 * system calls run by a borrowed thread of the target.
 *
 * The mapping is a private mapping of a memfd named "nonstop:NAME": it
 * shows in /proc/PID/maps under that name (that is how the registry finds
 * it), and, being private, a fork()ed child gets its own copy. The memfd
 * itself is closed at once; the mapping keeps it alive. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/frames.h"
#include "core/xform.h"
#include "core/hooks.h"
#include "core/mapping.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "proc/sigframe.h"
#include "util/clock.h"
#include "util/sched.h"
#include "registry/registry.h"

/* Seconds to find a thread for, and run, a post-revert hook left to run. */
#define RELEASE_TIMEOUT 5.0

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif

void ns_mapping_syscalls(struct ns_sc_list *l)
{
	/* Known: the flags; the unused registers, 0. */
	enum {
		FD = NS_SC_ALL & ~(NS_SC_IP | NS_SC_ARG(0)),
		RANGE = NS_SC_ALL & ~(NS_SC_IP | NS_SC_ARG(0) | NS_SC_ARG(1)),
	};
	static const struct ns_sc_call calls[] = {
		{ .name = "memfd_create", .nr = SYS_memfd_create,
		  .args = { 0, MFD_CLOEXEC }, .known = FD },
		{ .name = "ftruncate", .nr = SYS_ftruncate, .known = RANGE },
		{ .name = "mmap", .nr = SYS_mmap,
		  .args = { 0, 0, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE },
		  .known = NS_SC_ARG(2) | NS_SC_ARG(3) | NS_SC_ARG(5) },
		{ .name = "mprotect", .nr = SYS_mprotect,
		  .args = { 0, 0, PROT_READ | PROT_EXEC }, .known = RANGE },
		{ .name = "mprotect", .nr = SYS_mprotect,
		  .args = { 0, 0, PROT_READ | PROT_WRITE }, .known = RANGE },
		{ .name = "close", .nr = SYS_close, .known = FD },
		{ .name = "munmap", .nr = SYS_munmap, .known = RANGE },
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++)
		ns_sc_add(l, &calls[i]);
}

/* Runs a system call; on failure formats ERR with WHAT and returns -1. */
static int rcall(struct ns_remote *rs, const char *what, int64_t *ret,
		 long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		 uint64_t a5, uint64_t a6)
{
	struct ns_err *err = rs->tr->err;

	if (ns_remote_syscall(rs, nr, ret, a1, a2, a3, a4, a5, a6) < 0)
		return -1;
	if (*ret < 0 && *ret > -4096) {
		ns_err_set(err, "%s in process %d failed: %s", what,
			 (int)rs->tr->pid, strerror((int)-*ret));
		return -1;
	}
	return 0;
}

int ns_mapping_memfd(struct ns_remote *rs, const char *name, uint64_t addr,
		     uint64_t size, int prot, uint64_t *got)
{
	struct ns_err *err = rs->tr->err;
	struct ns_tracee *tr = rs->tr;
	char mname[NS_NAME_MAX + 16];
	/* The memfd's name goes on the borrowed thread's stack, below the
	 * frame (sigframe.c leaves room): nothing to allocate, nothing left
	 * behind if nonstop dies. */
	uint64_t at = (rs->sp - NS_SIGFRAME_SCRATCH) & ~15ULL;
	int64_t fd = -1, r;
	int rc = -1;

	snprintf(mname, sizeof(mname), NS_REC_MAPNAME "%s", name);
	if (ns_mem_write(tr->mem_fd, at, mname, strlen(mname) + 1) < 0) {
		ns_err_set(err, "cannot write to process %d: %s",
			 (int)tr->pid, strerror(errno));
		return -1;
	}
	if (rcall(rs, "memfd_create", &fd, SYS_memfd_create,
		  at, MFD_CLOEXEC, 0, 0, 0, 0) < 0 ||
	    rcall(rs, "ftruncate", &r, SYS_ftruncate, (uint64_t)fd, size,
		  0, 0, 0, 0) < 0 ||
	    rcall(rs, "mmap", &r, SYS_mmap, addr, size, (uint64_t)prot,
		  MAP_PRIVATE | (addr ? MAP_FIXED_NOREPLACE : 0), (uint64_t)fd,
		  0) < 0)
		goto out;
	if (addr && (uint64_t)r != addr) {
		/* An old kernel ignoring MAP_FIXED_NOREPLACE: not where the
		 * relocations expect it. */
		ns_remote_syscall(rs, SYS_munmap, &r, (uint64_t)r, size,
				  0, 0, 0, 0);
		ns_err_set(err, "the kernel placed the patch at another "
			 "address than asked");
		goto out;
	}
	*got = (uint64_t)r;
	rc = 0;
out:
	if (fd >= 0) {
		/* Harmless if it fails (a descriptor left in the target, which
		 * ns_mapping_sweep closes): not the operation's failure. */
		bool mark = ns_err_mark(err);

		ns_remote_syscall(rs, SYS_close, &r, (uint64_t)fd, 0, 0, 0, 0, 0);
		ns_err_forget(err, mark);
	}
	return rc;
}

static int protect(struct ns_remote *rs, const struct ns_image *img)
{
	int64_t r;

	if (img->text && rcall(rs, "mprotect", &r, SYS_mprotect,
			       img->base + img->text_off, img->text,
			       PROT_READ | PROT_EXEC, 0, 0, 0) < 0)
		return -1;
	if (img->rw && rcall(rs, "mprotect", &r, SYS_mprotect,
			     img->base + img->rw_off, img->rw,
			     PROT_READ | PROT_WRITE, 0, 0, 0) < 0)
		return -1;
	return 0;
}

int ns_mapping_create(struct ns_tracee *tr, const struct ns_image *img,
		      const char *name, uint64_t *stop_ns, pid_t *tid)
{
	struct ns_err *err = tr->err;
	struct ns_remote rs;
	struct ns_gadgets g;
	uint64_t t0, got;
	bool raised;
	int64_t r;
	int rc = -1;

	if (ns_remote_find_gadgets(tr, &g) < 0)
		return -1;
	raised = ns_sched_raise(); /* one thread is stopped: be quick */
	t0 = ns_clock_ns();
	if (ns_remote_begin(&rs, tr, &g) < 0) {
		ns_sched_restore(raised);
		return -1;
	}
	*tid = rs.th->tid;
	if (ns_mapping_memfd(&rs, name, img->base, img->size, PROT_READ,
			     &got) < 0)
		goto out;
	if (ns_mem_write(tr->mem_fd, img->base, img->buf, img->size) < 0) {
		ns_err_set(err, "cannot write the patch into process %d: %s",
			 (int)tr->pid, strerror(errno));
		goto unmap;
	}
	if (protect(&rs, img) < 0)
		goto unmap;
	rc = 0;
	goto out;
unmap:
	ns_remote_syscall(&rs, SYS_munmap, &r, img->base, img->size, 0, 0, 0, 0);
out:
	if (ns_remote_end(&rs, false) < 0 && rc == 0) {
		rc = -1;
	}
	*stop_ns = ns_clock_ns() - t0;
	ns_sched_restore(raised);
	return rc;
}

int ns_mapping_remove(struct ns_tracee *tr, uint64_t base, uint64_t size,
		      const struct ns_gadgets *g, bool keep_stopped)
{
	struct ns_remote rs;
	int64_t r;
	int rc;

	/* A transformer called in it must have returned; its post-revert
	 * hook runs before its memory goes, if it is due and has not run (a
	 * nonstop died first), and none may be running; then libgcc must
	 * forget the patch's frames. */
	if (ns_xform_release_check(tr, base) < 0 ||
	    ns_hooks_post_revert(tr, NULL, base, RELEASE_TIMEOUT, NULL) < 0 ||
	    ns_frames_release(tr, base) < 0)
		return -1;
	if (ns_remote_begin(&rs, tr, g) < 0)
		return -1;
	rc = rcall(&rs, "munmap", &r, SYS_munmap, base, size, 0, 0, 0, 0);
	if (ns_remote_end(&rs, keep_stopped) < 0)
		rc = -1;
	return rc;
}

static int find_gadgets(struct ns_tracee *tr, struct ns_gadgets *g,
			struct ns_gadgets **gp)
{
	if (ns_remote_find_gadgets(tr, g) < 0)
		return -1;
	*gp = g;
	return 0;
}

/* Closes descriptors of "nonstop:" memfds left open in the target (a
 * nonstop that died between creating one and closing it). */
static int close_leftover_fds(struct ns_tracee *tr, const struct ns_gadgets *g)
{
	char dir[64], fn[600], link[256];
	const char *want = "/memfd:" NS_REC_MAPNAME;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)tr->pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (rc == 0 && (de = readdir(d))) {
		struct ns_remote rs;
		ssize_t n;
		int64_t r;

		snprintf(fn, sizeof(fn), "%s/%s", dir, de->d_name);
		n = readlink(fn, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strncmp(link, want, strlen(want)))
			continue;
		if (ns_remote_begin(&rs, tr, g) < 0) {
			rc = -1;
			break;
		}
		rc = rcall(&rs, "close", &r, SYS_close,
			   (uint64_t)atoi(de->d_name), 0, 0, 0, 0, 0);
		if (ns_remote_end(&rs, false) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int ns_mapping_sweep(struct ns_tracee *tr, struct ns_registry *reg)
{

	/* Found once, on first need: a search reads libc's code. */
	struct ns_gadgets g, *gp = NULL;
	size_t kept = 0;
	int rc = 0;

	for (size_t i = 0; i < reg->n; i++) {
		struct ns_rec *rec = reg->v[i].rec;
		bool left = rec->state == NS_REC_LOADED ||
			    rec->state == NS_REC_REVERTING;

		if (left && rc == 0 && !gp && find_gadgets(tr, &g, &gp) < 0)
			rc = -1;
		if (left && rc == 0 &&
		    ns_mapping_remove(tr, rec->base, rec->size, gp, false) == 0) {
			free(rec);
			continue;
		}
		if (left)
			rc = -1;
		reg->v[kept++] = reg->v[i];
	}
	reg->n = kept;
	for (size_t i = 0; i < reg->norphans && rc == 0; i++) {
		if (!gp && find_gadgets(tr, &g, &gp) < 0)
			rc = -1;
		else
			rc = ns_mapping_remove(tr, reg->orphans[i].start,
					       reg->orphans[i].end -
					       reg->orphans[i].start,
					       gp, false);
	}
	reg->norphans = 0;
	if (rc == 0)
		rc = close_leftover_fds(tr, gp);
	return rc;
}
