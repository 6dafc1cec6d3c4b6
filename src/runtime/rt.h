/* rt.h — the tool's side of libnonstop: finding the runtime in a target,
 * reading its thread registry, and telling which threads have switched. */
#ifndef NONSTOP_RUNTIME_RT_H
#define NONSTOP_RUNTIME_RT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "link/target.h"
#include "nonstop_rt.h"

/* A target's runtime, as last read. */
struct ns_rt_handle {
	uint64_t addr;               /* of nonstop__rt in the target */
	const char *module;          /* the module defining it */
	struct ns_rt blk;            /* its control block */
};

/* Looks for libnonstop in T. 1 found and ready (RT filled); 0 not loaded;
 * -1 loaded but unusable (another ABI, not started): ERR says why. */
int ns_rt_find(struct ns_target *t, int mem_fd, struct ns_rt_handle *rt,
	       char *err, size_t errlen);

/* Reads the control block again. 0, or -1 with errno. */
int ns_rt_refresh(int mem_fd, struct ns_rt_handle *rt);

/* One thread of the target, as the runtime and /proc see it. */
struct ns_rt_thread {
	pid_t    tid;
	char     comm[17];
	bool     runtime;            /* the runtime's own thread */
	bool     registered;         /* has passed an update point */
	uint32_t view;               /* its generation (0 if unregistered) */
	uint32_t scan_gen, scan_hit; /* its last stack check (nonstop_rt.h) */
	uint64_t scan_pc;
	uint64_t switched_ns;        /* CLOCK_MONOTONIC of its last switch */
	bool     blocked;            /* asleep in a system call */
	char     where[96];          /* "blocked in system call read", "running" */
};

/* Every live thread of PID (from /proc/PID/task) with what the registry
 * says of it. *V is malloc'd. 0, or -1 with errno. */
int ns_rt_threads(pid_t pid, int mem_fd, const struct ns_rt_handle *rt,
		  struct ns_rt_thread **v, size_t *n);

/* Whether thread TH runs code of generations [FROM, TO): those whose view
 * is in that range run the patch's code. */
static inline bool ns_rt_in(const struct ns_rt_thread *th, uint32_t from,
			    uint32_t to)
{
	return th->view >= from && th->view < to;
}
#endif
