/* pt_sweep.h — the per-thread part of the sweep that opens every apply
 * and revert (core/session.h), whatever their mode: a header apart from
 * pt.h, whose operations need the apply and revert state, so that the
 * session that every operation opens depends on this step alone. Defined
 * in pt_revert.c. */
#ifndef NONSTOP_CORE_PT_SWEEP_H
#define NONSTOP_CORE_PT_SWEEP_H
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"

#include "proc/gadgets.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "runtime/rt.h"

/* Releases per-thread patches left retiring whose time has come, and
 * puts back the pads of patches never installed (LOADED: ns_mapping_sweep
 * removes them). With COMPLETE_SWITCHED (TR holds libnonstop's thread: a
 * per-thread operation), also completes patches an apply left switching
 * (--leave-pending) whose threads have all switched since: their
 * dispatchers retired, as the apply would have. Part of the sweep of
 * every apply and revert. 0, or -1 with tr->err. */
int ns_pt_sweep(struct ns_tracee *tr, const struct ns_gadgets *g,
		struct ns_rt_handle *rt, struct ns_registry *reg,
		bool complete_switched);
#endif
