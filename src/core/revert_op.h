/* revert_op.h — a revert in progress: what revert.c's steps and each
 * mode's revert operations (core/mode.h) share. */
#ifndef NONSTOP_CORE_REVERT_OP_H
#define NONSTOP_CORE_REVERT_OP_H
#include "core/session.h"
#include "proc/remote.h"
#include "registry/rec_state.h"
#include "registry/registry.h"
#include "transition/gate.h"

struct ns_revert_op {
	struct ns_session s;
	struct ns_rec_entry *e;       /* the patch reverted, in s.reg */
	struct ns_gadgets gadgets;
	struct ns_rec_xform *xforms;  /* its state transformers, if any */
	/* Stop-the-world (core/stop.c): its record REVERTING, and what the
	 * commit gate undoes. */
	struct ns_rec_step step;
	struct ns_gate_entry *undo;
};
#endif
