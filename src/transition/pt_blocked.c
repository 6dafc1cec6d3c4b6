/* pt_blocked.c — switching a thread asleep in a system call from outside
 * (pt_blocked.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "proc/mem.h"
#include "transition/pt_blocked.h"
#include "util/clock.h"

struct frame_check {
	const struct ns_range *r;
	size_t n;
	const char *name;           /* the range a frame is in */
	char func[128];             /* that frame's function, if known */
};

static int in_busy(void *arg, uint64_t pc, const char *func,
		   const char *module)
{
	struct frame_check *c = arg;

	(void)module;
	for (size_t i = 0; i < c->n; i++)
		if (pc >= c->r[i].start && pc < c->r[i].end) {
			c->name = c->r[i].name;
			snprintf(c->func, sizeof(c->func), "%s", func ? func : "?");
			return 1;
		}
	return 0;
}

/* Whether TH's stack is clear of BUSY: 1 yes; 0 no or unknown (WHY). */
static int stack_clear(struct ns_safety *s, struct ns_thread *th,
		       const struct ns_range *busy, size_t n,
		       char *why, size_t len)
{
	struct frame_check c = { .r = busy, .n = n };
	int rc = ns_safety_frames(s, th, in_busy, &c);

	if (rc == 0)
		return 1;
	if (rc > 0)
		snprintf(why, len, "its stack holds %s (in %s), which the patch "
			 "changes", c.func, c.name ? c.name : "?");
	else
		snprintf(why, len, "its stack could not be unwound");
	return 0;
}

/* The writes, TH stopped: its slot first (the side the tool checks), then
 * its view, which the dispatchers read. The slot's thread is checked
 * again: the registry is the target's, and TH holds it while stopped. */
static int write_gen(struct ns_tracee *tr, const struct ns_rt_handle *rt,
		     const struct ns_rt_thread *t,
		     struct ns_thread *th, bool scanned, char *why, size_t len)
{
	int fd = tr->mem_fd;
	uint64_t view_at = th->regs.fs_base + (uint64_t)rt->blk.view_tpoff;
	uint64_t now = ns_clock_ns();
	struct ns_rt_slot slot;
	uint64_t outside;
	uint32_t gen;

	if (ns_mem_read(fd, rt->addr + offsetof(struct ns_rt, gen), &gen,
			sizeof(gen)) < 0 ||
	    ns_mem_read(fd, t->slot_addr, &slot, sizeof(slot)) < 0 ||
	    slot.tid != (uint32_t)t->tid) {
		snprintf(why, len, "its slot in libnonstop's registry could "
			 "not be read");
		return 0;
	}
	if (ns_mem_write(fd, t->slot_addr + offsetof(struct ns_rt_slot, view),
			 &gen, sizeof(gen)) < 0) {
		snprintf(why, len, "its slot could not be written");
		return 0;
	}
	if (ns_mem_write(fd, view_at, &gen, sizeof(gen)) < 0) {
		/* Put back: it still runs what its view says. */
		ns_mem_write(fd, t->slot_addr + offsetof(struct ns_rt_slot, view),
			     &slot.view, sizeof(slot.view));
		snprintf(why, len, "its view could not be written");
		return 0;
	}
	ns_mem_write(fd, t->slot_addr + offsetof(struct ns_rt_slot, switched_ns),
		     &now, sizeof(now));
	/* How it switched, for status. */
	outside = gen;
	ns_mem_write(fd, t->slot_addr + offsetof(struct ns_rt_slot, outside),
		     &outside, sizeof(outside));
	if (scanned) {
		/* Its stack was found clean of the scan range, as its own
		 * update point would have found it: said in the slot after
		 * the view, as switch_to() does (lib/update_point.c). */
		uint32_t clean = NS_RT_SCAN_CLEAN;

		if (ns_mem_write(fd, t->slot_addr + offsetof(struct ns_rt_slot,
							     scan_hit),
				 &clean, sizeof(clean)) < 0 ||
		    ns_mem_write(fd, t->slot_addr + offsetof(struct ns_rt_slot,
							     scan_gen),
				 &gen, sizeof(gen)) < 0) {
			snprintf(why, len, "its stack check could not be written");
			return 0;
		}
	}
	return 1;
}

int ns_pt_switch_blocked(struct ns_tracee *tr, const struct ns_rt_handle *rt,
			 const struct ns_rt_thread *t,
			 const struct ns_range *busy, size_t n, bool scanned,
			 struct ns_safety **safety, char *why, size_t len)
{
	bool mark = ns_err_mark(tr->err);
	struct ns_thread *th = NULL;
	int rc = 0;

	if (!t->registered || !t->slot_addr) {
		snprintf(why, len, "it has no slot in libnonstop's registry (a "
			 "thread not made by pthread_create)");
		return 0;
	}
	if (!*safety && !(*safety = ns_safety_new(tr))) {
		snprintf(why, len, "%s", ns_err_msg(tr->err));
		goto out;
	}
	if (ns_tracee_seize_thread(tr, t->tid, &th) < 0 ||
	    ns_tracee_stop_one(tr, th) < 0) {
		snprintf(why, len, "it could not be held: %s", ns_err_msg(tr->err));
		goto out;
	}
	/* Asleep in a system call, the stop found it at that call's end;
	 * anywhere else it was running: not ours to switch. */
	if ((int64_t)th->regs.orig_rax < 0) {
		snprintf(why, len, "it was running");
		goto out;
	}
	if (stack_clear(*safety, th, busy, n, why, len))
		rc = write_gen(tr, rt, t, th, scanned, why, len);
out:
	if (th)
		ns_tracee_let_go_thread(tr, th);
	ns_err_forget(tr->err, mark);
	return rc;
}
