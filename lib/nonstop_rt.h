/* nonstop_rt.h — the interface between libnonstop (the runtime inside a
 * patchable process) and the nonstop tool, which reads and writes these
 * structures through /proc/PID/mem and calls nonstop__rt_exec() on the
 * runtime's own thread. Not a public API: both sides are built from the
 * same tree, and NS_RT_ABI changes whenever a layout does.
 *
 * Versions ("generations"). The runtime keeps a target generation GEN.
 * Every thread has a view: the generation it runs. A thread's view changes
 * only at an update point (nonstop_update_point()), where it becomes GEN.
 * A thread that has never passed one has view 0: the program as it was
 * when libnonstop started. Patched code is chosen by the calling thread's
 * view (transition/dispatch.h in the tool), so between two update points a
 * thread sees one version of every function.
 *
 * The view lives in initial-exec TLS (one load with %fs, which is what the
 * patch's dispatchers do) and, for the tool, in the thread's slot. */
#ifndef NONSTOP_RT_H
#define NONSTOP_RT_H
#include <stdint.h>

#define NS_RT_MAGIC     0x3154524f4e534eULL /* "NSNORT1" */
#define NS_RT_ABI       2           /* 2: slots of 64 bytes with a wait
					word; the control block's waits */
#define NS_RT_SLOTS     64          /* slots per chunk */
#define NS_RT_PLAN_MAGIC 0x4e4c5054u /* "TPLN" */
#define NS_RT_WRITES_MAX 4096

/* One registered thread. A slot is taken by a thread at its first update
 * point and given back when the thread exits; it is never freed, so the
 * tool may read any slot at any time. A slot is one cache line of its own:
 * a thread writes its slot at every wait in waits mode (below), and must
 * not take the line from another thread that does the same. */
struct ns_rt_slot {
	uint32_t tid;          /* 0: free */
	uint32_t view;         /* the generation the thread runs */
	uint64_t passes;       /* update points at which it switched */
	/* The stack check at its last switch (ns_rt.scan_*): the thread
	 * looked at its own stack for frames in [scan_lo, scan_hi). */
	uint32_t scan_gen;     /* generation of that switch (0: none) */
	uint32_t scan_hit;     /* NS_RT_SCAN_* */
	uint64_t scan_pc;      /* the frame found, if scan_hit == HIT */
	uint64_t switched_ns;  /* CLOCK_MONOTONIC of its last switch */
	/* NONSTOP_UPDATE_POINTS=waits (ns_rt.waits): the wait the thread is
	 * in, one word written with one store; 0 when it is in none. Set
	 * after the update point on the way into the call, cleared before
	 * the one on the way out: while it is set, the thread runs nothing
	 * of the program's (but a signal handler) before its next update
	 * point. */
	uint64_t wait;         /* NS_RT_WAIT_* */
	/* The generation nonstop wrote from outside while the thread slept
	 * in a system call (src/transition/pt_blocked.h); 0 once the thread
	 * switches at an update point of its own. */
	uint64_t outside;
	uint64_t reserved[1];  /* 0 */
} __attribute__((aligned(64)));

enum {
	NS_RT_SCAN_CLEAN = 1,  /* no frame in the range */
	NS_RT_SCAN_HIT   = 2,  /* a frame at scan_pc is in it */
	NS_RT_SCAN_UNKNOWN = 3 /* the stack could not be walked to its end */
};

/* The wait word of a slot: which call (bits 0-7), flags (8-15), and the
 * thread's view when it entered the call (bits 32-63): its view for as
 * long as the word is set. */
enum {
	NS_RT_WAIT_POLL = 1,   /* poll, __poll_chk */
	NS_RT_WAIT_PPOLL,      /* ppoll, __ppoll_chk */
	NS_RT_WAIT_SELECT,
	NS_RT_WAIT_PSELECT,
	NS_RT_WAIT_EPOLL_WAIT,
	NS_RT_WAIT_EPOLL_PWAIT,
	NS_RT_WAIT_EPOLL_PWAIT2,
	NS_RT_WAIT_KINDS = NS_RT_WAIT_EPOLL_PWAIT2
};
/* A second wait, made by a signal handler that interrupted the first:
 * code of the program's (the handler) runs inside the first wait, which
 * is no longer an update point for the tool. Set until the first ends. */
#define NS_RT_WAIT_NESTED      0x100ULL
#define NS_RT_WAIT_KIND(w)     ((uint32_t)((w) & 0xff))
#define NS_RT_WAIT_SINCE(w)    ((uint32_t)((w) >> 32))
#define NS_RT_WAIT_WORD(kind, since) \
	((uint64_t)(since) << 32 | (uint64_t)(kind))
/* The bits a runtime ever sets. */
#define NS_RT_WAIT_BITS        (0xffffffff000000ffULL | NS_RT_WAIT_NESTED)

struct ns_rt_chunk {
	uint64_t next;         /* struct ns_rt_chunk *, 0 at the end */
	uint64_t pad[7];       /* the slots start on a cache line */
	struct ns_rt_slot slot[NS_RT_SLOTS];
};

/* One write of a plan: LEN (1, 2, 4 or 8) bytes of VALUE at ADDR, done with
 * a single store (code pages are made writable around it). */
struct ns_rt_write {
	uint64_t addr;
	uint64_t value;
	uint64_t old;          /* what ADDR holds before: put back if a later
				  write of the plan fails */
	uint32_t len;
	uint16_t phase;        /* writes run phase by phase; the threads'
				  instruction streams are serialised
				  (membarrier SYNC_CORE) after each phase */
	uint16_t flags;        /* NS_RT_W_* */
};

#define NS_RT_W_CODE 1         /* ADDR is in a read+exec page */
#define NS_RT_W_RO   2         /* ADDR is in a read-only page (a record) */

/* What nonstop__rt_exec() does, in one call that completes even if the
 * tool dies meanwhile: the writes, phase by phase, then the new target
 * generation and stack-check range. All or nothing: if a write fails
 * (mprotect refused), the ones done are put back, newest first. */
struct ns_rt_plan {
	uint32_t magic;        /* NS_RT_PLAN_MAGIC */
	uint32_t n;            /* writes, sorted by phase */
	uint32_t gen;          /* new target generation; 0: unchanged */
	uint32_t set_scan;     /* 1: set scan_lo/scan_hi below */
	uint64_t scan_lo, scan_hi;
	struct ns_rt_write w[];
};

/* Errors nonstop__rt_exec() returns (negative errno otherwise). */
#define NS_RT_EPLAN  (-1000)   /* malformed plan */

/* The runtime's control block: the global symbol nonstop__rt. */
struct ns_rt {
	uint64_t magic;        /* NS_RT_MAGIC once the runtime is ready */
	uint32_t abi;          /* NS_RT_ABI */
	uint32_t tid;          /* the runtime thread, hosting the tool's calls */
	int64_t  view_tpoff;   /* the view's offset from the thread pointer */
	uint32_t gen;          /* target generation */
	uint32_t sync_core;    /* 1: membarrier SYNC_CORE is registered */
	uint64_t chunks;       /* struct ns_rt_chunk *: the thread slots */
	uint64_t exec;         /* int nonstop__rt_exec(const struct ns_rt_plan *) */
	uint64_t update_point; /* nonstop_update_point, to recognise loops */
	uint64_t scan_lo, scan_hi; /* stack check at switches; 0: none */
	uint64_t gen_ns;       /* CLOCK_MONOTONIC when gen last moved */
	uint64_t execs;        /* plans executed */
	int64_t  last_error;   /* of the last plan, 0 if it succeeded */
	/* 1: NONSTOP_UPDATE_POINTS=waits was in the environment at start:
	 * the calls where event loops wait (poll, select, epoll_wait and
	 * their kin) are update points, and a thread in one says so in its
	 * slot's wait word. A plan that moves the generation then ends with
	 * a membarrier, which the wrappers' ordering relies on (exec.c). */
	uint32_t waits;
	uint32_t reserved;     /* 0 */
};

extern struct ns_rt nonstop__rt;
int nonstop__rt_exec(const struct ns_rt_plan *plan);
#endif
