/* frames.c — registering a patch's frames with libgcc's unwinder in the
 * target, and deregistering them before the patch's memory goes.
 *
 * glibc's backtrace() (and C++ exceptions, pthread_cancel) use libgcc's
 * unwinder, which finds FDEs in the loaded ELF objects (dl_iterate_phdr)
 * or among the frames registered with __register_frame_info. A patch's
 * mapping is not an ELF object, so nonstop registers the patch's linked
 * .eh_frame, with the struct object storage libgcc needs in the patch's
 * own writable memory (no malloc): a thread of the target, borrowed,
 * calls __register_frame_info(eh_frame, object) through a stub in the
 * patch (proc/call.h). This happens after the patch is mapped and before
 * the switch; the frames are deregistered (__deregister_frame_info)
 * before the memory is released: by revert, by apply's own failure path,
 * and by the sweep of a later nonstop (ns_mapping_remove calls
 * ns_frames_release before every unmap). libgcc aborts the program when
 * asked to deregister frames it does not know, and crashes in its next
 * unwind when registered frames were unmapped: so the record says, before
 * each call is set up, which call it is (NS_FRAMES_REGISTERING,
 * NS_FRAMES_DEREGISTERING), and the call's slot, written by the stub,
 * whether it started and returned. From both, a later nonstop knows
 * exactly whether libgcc knows the frames, whenever this one died.
 *
 * Which thread is borrowed, and the deadlock caveat. The function runs in
 * the borrowed thread as if called from wherever that thread was stopped.
 * libgcc takes its object mutex (and __deregister_frame_info calls free(),
 * which takes malloc's arena lock): a thread stopped while holding one of
 * those locks would wait for itself forever. So nonstop stops the
 * threads one at a time and unwinds each (with libdwfl, as the safety
 * check does) and borrows one none of whose frames is in libgcc's
 * unwinder, in malloc or free, in the dynamic loader or in fork — first
 * among the threads blocked in a system call, then among the others; the
 * other threads keep running, so a lock one of them holds is released.
 * A thread whose stack cannot be unwound is never borrowed (core/borrow.h
 * does the choosing, for the hooks' calls too). When no
 * thread qualifies within the time allowed, apply registers nothing
 * (apply -v says so); a release keeps the memory and fails, to be retried
 * by the next nonstop. A call that still does not return in time (some
 * lock held elsewhere for long) is let go: the thread finishes it by
 * itself, and the slot tells the next nonstop how it ended. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "core/borrow.h"
#include "core/frames.h"
#include "link/link.h"
#include "proc/call.h"
#include "proc/maps.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "transition/safety.h"

#define RELEASE_TIMEOUT 5.0   /* seconds, to find a thread and call */

/* libgcc's NAME in the target: in libgcc_s.so if it is mapped, else in
 * the program itself (linked with libgcc_eh). 0 if absent. */
static uint64_t libgcc_func(struct ns_target *t, const char *name)
{
	struct ns_symval v;
	struct ns_err absent = { 0 };   /* not a failure: the next module is tried */

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < t->nmods; i++) {
			struct ns_module *m = &t->mods[i];
			bool want = pass == 0 ? strstr(m->path, "libgcc_s") != NULL
					      : m->is_main;

			if (want && ns_module_lookup(m, name, NULL, &v, &absent) == 0 &&
			    v.type == STT_FUNC)
				return v.addr;
		}
	return 0;
}

/* What the messages say a borrowed thread could not do. */
#define CALL_WHAT "call into libgcc safely (outside its unwinder, malloc " \
		  "and the dynamic loader)"

/* Zeroes the call slot, then records which call is about to be set up. */
static int announce(struct ns_tracee *tr, uint64_t base, const struct ns_rec *rec,
		    uint32_t frames)
{
	struct ns_err *err = tr->err;
	struct ns_call_slot zero = { 0 };

	if (ns_mem_write(tr->mem_fd, rec->call_slot, &zero, sizeof(zero)) < 0 ||
	    ns_rec_set_frames(tr->mem_fd, base, frames) < 0) {
		ns_err_set(err, "cannot write to process %d: %s",
			 (int)tr->pid, strerror(errno));
		return -1;
	}
	return 0;
}

static int read_slot(struct ns_tracee *tr, const struct ns_rec *rec,
		     struct ns_call_slot *s)
{
	return ns_mem_read(tr->mem_fd, rec->call_slot, s, sizeof(*s));
}

/* The thread that makes the call: in the per-thread mode libnonstop's, the
 * only one the tracee holds, as it is (it holds no lock: no need to
 * unwind it, which costs far more than the call); else one ns_borrow()
 * finds safe. */
static int borrow(struct ns_borrow *b, struct ns_tracee *tr,
		  struct ns_safety *safety, const struct ns_rec *rec,
		  double timeout)
{
	if (rec->mode == NS_MODE_PER_THREAD && tr->n == 1 && !tr->t[0]->gone)
		return ns_borrow_thread(b, tr, tr->t[0]);
	return ns_borrow(b, tr, safety, NS_LOCK_MALLOC | NS_LOCK_OTHER, timeout,
			 CALL_WHAT);
}

int ns_frames_register(struct ns_tracee *tr, struct ns_target *t,
		       struct ns_safety *safety, const struct ns_rec *rec,
		       double timeout, char *note, size_t notelen)
{
	struct ns_err *err = tr->err;
	uint64_t reg, dereg, ret;
	struct ns_borrow b;
	struct ns_call_slot slot;
	bool mark = ns_err_mark(err);
	int rc;

	if (!rec->eh_frame || !rec->call_stub) {
		snprintf(note, notelen, "the patch has no unwind info: "
			 "backtraces stop at its frames");
		return 0;
	}
	reg = libgcc_func(t, "__register_frame_info");
	dereg = libgcc_func(t, "__deregister_frame_info");
	if (!reg || !dereg) {
		snprintf(note, notelen, "libgcc's unwinder is not loaded in process "
			 "%d: the patch's frames are not registered with it (the "
			 "program's own backtrace() stops at new code)", (int)tr->pid);
		return 0;
	}
	if (borrow(&b, tr, safety, rec, timeout < 1 ? timeout : 1) < 0) {
		ns_unborrow(&b);
		snprintf(note, notelen, "the patch's frames are not registered with "
			 "libgcc: %s", ns_err_msg(err));
		ns_err_forget(err, mark);   /* a note, not a failure */
		return 0;
	}
	if (ns_mem_write(tr->mem_fd, rec->base + offsetof(struct ns_rec, frames_deregister),
			 &dereg, sizeof(dereg)) < 0 ||
	    announce(tr, rec->base, rec, NS_FRAMES_REGISTERING) < 0) {
		ns_err_set(err, "cannot write to process %d: %s", (int)tr->pid,
			 strerror(errno));
		ns_unborrow(&b);
		return -1;
	}
	rc = ns_remote_call(&b.rs, rec->call_stub, rec->call_slot, reg,
			    rec->eh_frame, rec->frames_object, timeout, &ret);
	if (rc == NS_CALL_OK) {
		if (ns_rec_set_frames(tr->mem_fd, rec->base, NS_FRAMES_REGISTERED) < 0) {
			ns_err_set(err, "cannot write to process %d: %s",
				 (int)tr->pid, strerror(errno));
			ns_unborrow(&b);
			return -1;
		}
		snprintf(note, notelen, "the patch's frames are registered with "
			 "libgcc's unwinder (thread %d borrowed to call "
			 "__register_frame_info)", b.rs.th->tid);
		return ns_unborrow(&b);
	}
	ns_err_wrap(err, "cannot register the patch's frames with libgcc");
	/* A call that never started registered nothing. */
	if (rc == NS_CALL_FAILED && read_slot(tr, rec, &slot) == 0 && !slot.started)
		ns_rec_set_frames(tr->mem_fd, rec->base, NS_FRAMES_NONE);
	ns_unborrow(&b);
	return -1;
}

/* Whether libgcc knows the frames of REC now: 1 yes, 0 no, -1 a call is
 * still running in the target (ERR). */
static int registered(struct ns_tracee *tr, const struct ns_rec *rec)
{
	struct ns_err *err = tr->err;
	struct ns_call_slot s;
	bool pending;

	if (rec->frames == NS_FRAMES_NONE)
		return 0;
	if (rec->frames == NS_FRAMES_REGISTERED)
		return 1;
	if (read_slot(tr, rec, &s) < 0) {
		ns_err_set(err, "cannot read process %d: %s", (int)tr->pid,
			 strerror(errno));
		return -1;
	}
	pending = !s.done && (s.started ||
				 ns_borrow_thread_in(tr, rec->call_stub, NS_LINK_CALL_STUB));
	if (pending) {
		ns_err_set(err, "patch '%s': a call into libgcc for its "
			 "frames is still running in process %d; try again",
			 rec->name, (int)tr->pid);
		return -1;
	}
	/* The call announced either ran to its end or never began. */
	if (rec->frames == NS_FRAMES_REGISTERING)
		return s.done ? 1 : 0;
	return s.done ? 0 : 1;
}

/* Whether ADDR is in executable memory of the target: libgcc still there. */
static bool executable(pid_t pid, uint64_t addr)
{
	struct ns_maps maps;
	const struct ns_map *m;
	bool x;

	if (ns_maps_read(pid, &maps) < 0)
		return true; /* cannot tell: assume it is */
	m = ns_maps_find(&maps, addr);
	x = m && (m->prot & PROT_EXEC);
	ns_maps_free(&maps);
	return x;
}

static int deregister(struct ns_tracee *tr, const struct ns_rec *rec)
{
	struct ns_err *err = tr->err;
	struct ns_call_slot slot;
	struct ns_borrow b;
	uint64_t ret;
	int rc;

	if (borrow(&b, tr, NULL, rec, RELEASE_TIMEOUT) < 0) {
		ns_err_append(err, "the frames of patch '%s' stay registered "
			      "and its memory is kept", rec->name);
		ns_unborrow(&b);
		return -1;
	}
	if (announce(tr, rec->base, rec, NS_FRAMES_DEREGISTERING) < 0) {
		ns_unborrow(&b);
		return -1;
	}
	rc = ns_remote_call(&b.rs, rec->call_stub, rec->call_slot,
			    rec->frames_deregister, rec->eh_frame, 0,
			    RELEASE_TIMEOUT, &ret);
	if (rc == NS_CALL_OK) {
		if (ns_rec_set_frames(tr->mem_fd, rec->base, NS_FRAMES_NONE) < 0)
			rc = NS_CALL_FAILED; /* the slot says it is done */
		return ns_unborrow(&b) < 0 || rc ? -1 : 0;
	}
	ns_err_wrap(err, "cannot deregister the frames of patch '%s' from "
		    "libgcc", rec->name);
	if (rc == NS_CALL_FAILED && read_slot(tr, rec, &slot) == 0 && !slot.started)
		ns_rec_set_frames(tr->mem_fd, rec->base, NS_FRAMES_REGISTERED);
	ns_unborrow(&b);
	return -1;
}

/* The record at BASE is read again, checked (registry.h): the addresses
 * nonstop is about to call and pass are the ones the registry checked,
 * not what the process may have written since. */
int ns_frames_release(struct ns_tracee *tr, uint64_t base)
{
	struct ns_err *err = tr->err;
	char why[512];
	bool damaged;
	struct ns_rec *rec = ns_rec_read_at(tr->pid, tr->mem_fd, base, &damaged,
					    why, sizeof(why));
	int known, rc = 0;

	if (!rec) {
		/* Not a record (a mapping never filled): nothing registered. */
		if (!damaged)
			return 0;
		ns_err_set(err, "%s", why);
		return -1;
	}
	if (!ns_rec_magic_v3(rec->magic) || !rec->eh_frame ||
	    rec->frames == NS_FRAMES_NONE)
		goto out;
	if (!rec->call_stub || !rec->call_slot || !rec->frames_deregister) {
		ns_err_set(err, "patch '%s': its record is damaged (frames "
			 "registered, no way to deregister them)", rec->name);
		rc = -1;
		goto out;
	}
	known = registered(tr, rec);
	if (known < 0) {
		rc = -1;
	} else if (known && executable(tr->pid, rec->frames_deregister)) {
		rc = deregister(tr, rec);
	} else if (ns_rec_set_frames(tr->mem_fd, base, NS_FRAMES_NONE) < 0) {
		/* Not registered, or libgcc is gone (unloaded: nothing knows
		 * them). */
		ns_err_set(err, "cannot write to process %d: %s", (int)tr->pid,
			 strerror(errno));
		rc = -1;
	}
out:
	free(rec);
	return rc;
}
