/* rt.h — the tool's side of libnonstop: finding the runtime in a target,
 * reading its thread registry, and telling which threads have switched.
 * The control block and the slots are the target's memory, which it can
 * write anything into: every value is checked where it is read (rt.c,
 * rt_read.c), and a thread the registry names counts only if /proc shows
 * it among the target's own. */
#ifndef NONSTOP_RUNTIME_RT_H
#define NONSTOP_RUNTIME_RT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

#include "link/target.h"
#include "nonstop_rt.h"

/* A target's runtime, as last read. */
struct ns_rt_handle {
	uint64_t addr;               /* of nonstop__rt in the target */
	const char *module;          /* the module defining it */
	struct ns_rt blk;            /* its control block */
};

/* Looks for libnonstop in T. 1 found and ready (RT filled); 0 not loaded;
 * -1 loaded but unusable (another ABI, not started, or a control block
 * that fails ns_rt_check, names a thread that is not one of T's, or
 * functions other than libnonstop's): ERR says why. */
int ns_rt_find(struct ns_target *t, int mem_fd, struct ns_rt_handle *rt,
	       struct ns_err *err);

/* Reads the control block again. 0; -1 with errno (EBADMSG: the block
 * fails ns_rt_check, or changed what never changes once the runtime is
 * ready: its thread, functions, offsets, slots; RT then keeps the block
 * it had). */
int ns_rt_refresh(int mem_fd, struct ns_rt_handle *rt);

/* Largest distance of the view below the thread pointer (initial-exec
 * TLS): beyond, a value is not an offset into the static TLS block. */
#define NS_RT_TPOFF_MAX (1 << 30)
/* Chunks of thread slots read at most (64 slots each): the list ends
 * there even if the target made it longer or circular. */
#define NS_RT_CHUNKS_MAX 4096

/* Checks a control block read from process PID: the magic and ABI (of a
 * started runtime), its thread's id, the view's offset, its flags and
 * pointers. 0, or -1 with ERR naming what is wrong. */
int ns_rt_check(pid_t pid, const struct ns_rt *blk, struct ns_err *err);

/* Whether the fields of two checked blocks that never change once the
 * runtime is ready are the same. */
bool ns_rt_same_runtime(const struct ns_rt *a, const struct ns_rt *b);

/* One thread of the target, as the runtime and /proc see it. */
struct ns_rt_thread {
	pid_t    tid;
	char     comm[17];
	bool     runtime;            /* the runtime's own thread */
	bool     registered;         /* has a slot (from its start, or its
					first update point) */
	uint64_t slot_addr;          /* that slot, in the target */
	uint64_t passes;             /* update points at which it switched */
	uint32_t outside;            /* the generation nonstop gave it while
					it slept (0: its last switch was its
					own) */
	uint32_t view;               /* its generation (0 if unregistered) */
	uint32_t scan_gen, scan_hit; /* its last stack check (nonstop_rt.h) */
	uint64_t scan_pc;
	uint64_t switched_ns;        /* CLOCK_MONOTONIC of its last switch */
	uint64_t wait;               /* its slot's wait word (NS_RT_WAIT_*) */
	bool     blocked;            /* asleep in a system call */
	long     syscall;            /* that call's number, -1 if none */
	char     where[96];          /* "blocked in system call read", "running" */
};

/* Every live thread of PID (from /proc/PID/task) with what the registry
 * says of it. *V is malloc'd. 0, or -1 with errno (EBADMSG: the chunk
 * list of the registry loops or is misaligned). */
int ns_rt_threads(pid_t pid, int mem_fd, const struct ns_rt_handle *rt,
		  struct ns_rt_thread **v, size_t *n);

/* Sorts V (N threads, their tids set) by tid and fills each from its slot
 * in the registry
 * at BLK->chunks: at most NS_RT_CHUNKS_MAX chunks, each at an aligned
 * address seen once; a slot whose values are out of range is skipped
 * (its thread counts as not switched: the safe side). 0, or -1 with
 * errno (EBADMSG as above). */
int ns_rt_read_slots(int mem_fd, const struct ns_rt *blk,
		     struct ns_rt_thread *v, size_t n);

/* Whether thread TH is at an update point in a wait (waits mode, lib/
 * waits.c): its slot says it is in a wrapped call made by the program (not
 * by a signal handler inside one), and /proc shows it asleep in that
 * call's system call — not running a signal handler, which would run code
 * of the program's on the view it had. Whatever it runs once the call
 * returns first passes an update point. */
bool ns_rt_at_wait(const struct ns_rt_thread *th);

/* Whether system call NR is one of those the wrapped waits make (poll,
 * ppoll, select, pselect6, epoll_wait, epoll_pwait, epoll_pwait2). */
bool ns_rt_wait_syscall(long nr);

/* The call of wait word W: "epoll_wait", or "?" if none. */
const char *ns_rt_wait_name(uint64_t w);

/* Whether thread TH runs code of generations [FROM, TO): those whose view
 * is in that range run the patch's code. */
static inline bool ns_rt_in(const struct ns_rt_thread *th, uint32_t from,
			    uint32_t to)
{
	return th->view >= from && th->view < to;
}
#endif
