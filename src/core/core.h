/* core.h — the operations on a live process: apply, revert, status. The CLI
 * parses arguments and prints; these do the work and fill a result. */
#ifndef NONSTOP_CORE_H
#define NONSTOP_CORE_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "registry/registry.h"
#include "util/err.h"

/* One hook run by an operation (core/hooks.h). */
struct ns_hook_run {
	uint32_t kind;                /* enum ns_hook_kind; 0: not run */
	char     fn[NS_NAME_MAX];     /* its function */
	int32_t  ret;                 /* what it returned */
	char     msg[256];            /* what it left in nonstop_hook_msg */
};

struct ns_op_result {
	char     name[NS_NAME_MAX];   /* the patch */
	size_t   nfuncs;              /* functions (un)redirected */
	size_t   nxforms;             /* variables transformed (back) by the
					 patch's state transformers */
	size_t   threads;             /* threads stopped */
	uint64_t pause_ns;            /* stop-the-world pause of the switch */
	uint64_t max_pause_ns;        /* longest stop of any attempt */
	uint64_t load_stop_ns;        /* stop of one thread to map the patch */
	pid_t    load_stop_tid;       /* that thread */
	uint64_t phase_ns[4];         /* of that pause: stopping the threads,
					 unwinding them, writing, releasing */
	unsigned attempts;
	unsigned ran_alone;           /* runs of a busy thread alone, the others
					 held, in the attempt that switched */
	uint64_t base, size;          /* where the patch lives */
	/* apply --replace: the patches it replaced, oldest first (malloc'd,
	 * ns_op_result_free), and how many functions got their original code
	 * back because only those redirected them. */
	char   (*replaced)[NS_NAME_MAX];
	size_t   nreplaced;
	size_t   nrestored;
	/* apply --complete: the per-thread patches whose dispatchers it
	 * retired, oldest first (malloc'd, ns_op_result_free). */
	char   (*completed)[NS_NAME_MAX];
	size_t   ncompleted;
	/* Per-thread mode (transition/perthread.h) */
	int      mode;                /* enum ns_rec_mode used */
	int      stopped_tid;         /* the one thread stopped: libnonstop's */
	size_t   pt_threads;          /* threads that had to switch */
	size_t   pt_asleep;           /* of those, switched by nonstop while
					 asleep in a system call */
	size_t   pt_waiting;          /* of them, at an update point in a
					 wait, switching as it returns */
	uint64_t switch_ns;           /* until the last of them switched */
	uint64_t first_ns;            /* until the first did */
	bool     pending;             /* --leave-pending: not all switched */
	bool     retiring;            /* revert: memory kept for now */
	char     note[1024];          /* what the user should know, or empty */
	char     warn[1024];          /* done, but: one line, or empty */
	char     frames_note[512];    /* apply: whether the patch's frames are
					 registered with the target's unwinder,
					 or why not (apply -v) */
	struct ns_err err;            /* the one error value (util/err.h) */
	int      why;                 /* a failure the host-wide commands
					 report as its own kind (NS_WHY_*), or
					 0 */
	/* The hooks this operation ran, by kind - 1 (patch.h) */
	struct ns_hook_run hooks[4];
};

struct ns_op_opts {
	pid_t pid;
	double timeout;               /* seconds */
	bool verbose;
	bool replace;                 /* apply: the patch replaces every patch
					 applied to its module (core/replace.c) */
	int mode;                     /* apply: NS_OPT_MODE_* */
	bool leave_pending;           /* apply, per-thread: on timeout, leave
					 the transition pending */
	bool complete;                /* apply --complete (no patch): complete
					 what --leave-pending left */
	bool locked;                  /* the caller holds the process's lock
					 (core/lock.h): an apply rolling back,
					 revert --all */
};

/* The failures a host-wide command tells apart (ns_op_result.why). */
enum {
	NS_WHY_ALREADY = 1,           /* apply: the patch is applied already */
	NS_WHY_NOT_PERMITTED = 2,     /* the kernel does not let us ptrace it */
	NS_WHY_NOT_APPLIED = 3,       /* revert: no such patch (or none) */
	NS_WHY_GONE = 4,              /* no such process (it exited) */
};

enum {
	NS_OPT_MODE_AUTO = 0,         /* per-thread if libnonstop is loaded */
	NS_OPT_MODE_STOP = 1,
	NS_OPT_MODE_PER_THREAD = 2,
};

/* Formats the one-line reason of a failure into RES->err; returns -1. */
int ns_op_fail(struct ns_op_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Opens the memory of PID: what the kernel lets only a user who may
 * ptrace it do, so it is the first thing apply and revert try. The
 * descriptor, or -1 with RES->err. */
int ns_op_mem_open(pid_t pid, struct ns_op_result *res);

/* Frees what an operation allocated in RES. */
void ns_op_result_free(struct ns_op_result *res);

/* 0 done; 1 refused or failed (res->err), target as it was. */
/* ns_apply with the patch already loaded and checked (ns_patch_load,
 * ns_trust_check): for the host-wide apply, which reads it once. P is
 * used up (freed) either way. */
struct ns_patch;
int ns_apply_loaded(const struct ns_op_opts *o, struct ns_patch *p,
		    struct ns_op_result *res);
int ns_apply(const struct ns_op_opts *o, const char *patch_path,
	     struct ns_op_result *res);
int ns_revert(const struct ns_op_opts *o, const char *name,
	      struct ns_op_result *res);

/* apply --complete: completes every per-thread transition an apply left
 * pending (--leave-pending), as that apply would have: waits until every
 * thread has switched (o->timeout), then retires the dispatchers. Nothing
 * is retired unless every thread switched to every such patch in time.
 * 0 done (res->completed: which; none if none was pending); 1 refused or
 * failed (res->err), the process as it was. */
int ns_apply_complete(const struct ns_op_opts *o, struct ns_op_result *res);

/* Reverts every applied patch, newest first, calling EACH after each one.
 * Stops at the first failure (res->err; the patches not yet reverted stay
 * applied). 0 when none is left applied. */
int ns_revert_all(const struct ns_op_opts *o,
		  void (*each)(const struct ns_op_result *res, void *arg),
		  void *arg, struct ns_op_result *res);
#endif
