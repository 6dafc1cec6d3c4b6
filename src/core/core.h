/* core.h — the operations on a live process: apply, revert, status. The CLI
 * parses arguments and prints; these do the work and fill a result. */
#ifndef NONSTOP_CORE_H
#define NONSTOP_CORE_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "registry/registry.h"

struct ns_op_result {
	char     name[NS_NAME_MAX];   /* the patch */
	size_t   nfuncs;              /* functions (un)redirected */
	size_t   threads;             /* threads stopped */
	uint64_t pause_ns;            /* stop-the-world pause of the switch */
	uint64_t max_pause_ns;        /* longest stop of any attempt */
	uint64_t load_stop_ns;        /* stop of one thread to map the patch */
	uint64_t phase_ns[4];         /* of that pause: stopping the threads,
					 unwinding them, writing, releasing */
	unsigned attempts;
	uint64_t base, size;          /* where the patch lives */
	char     note[512];           /* apply: whether the patch's frames are
					 registered with the target's unwinder,
					 or why not (apply -v) */
	char     err[1024];           /* one line naming what and why */
};

struct ns_op_opts {
	pid_t pid;
	double timeout;               /* seconds */
	bool verbose;
};

/* Formats the one-line reason of a failure into RES->err; returns -1. */
int ns_op_fail(struct ns_op_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 0 done; 1 refused or failed (res->err), target as it was. */
int ns_apply(const struct ns_op_opts *o, const char *patch_path,
	     struct ns_op_result *res);
int ns_revert(const struct ns_op_opts *o, const char *name,
	      struct ns_op_result *res);

/* Reverts every applied patch, newest first, calling EACH after each one.
 * Stops at the first failure (res->err; the patches not yet reverted stay
 * applied). 0 when none is left applied. */
int ns_revert_all(const struct ns_op_opts *o,
		  void (*each)(const struct ns_op_result *res, void *arg),
		  void *arg, struct ns_op_result *res);
#endif
