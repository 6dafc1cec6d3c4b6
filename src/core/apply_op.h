/* apply_op.h — an apply in progress: what apply.c's steps and each mode's
 * apply operations (core/mode.h) share. */
#ifndef NONSTOP_CORE_APPLY_OP_H
#define NONSTOP_CORE_APPLY_OP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/replace.h"
#include "core/session.h"
#include "link/link.h"
#include "link/target.h"
#include "patch/patch.h"
#include "proc/remote.h"
#include "registry/registry.h"
#include "transition/gate.h"
#include "transition/plan.h"
#include "transition/safety.h"

struct ns_apply_op {
	struct ns_session s;
	struct ns_patch patch;
	struct ns_module *mod;        /* the module it patches */
	struct ns_image img;
	struct ns_rec *rec;           /* its record; in img.buf once placed */
	struct ns_replace rp;         /* --replace: what it takes out */
	bool mapped;                  /* its memory goes if the apply fails */
	bool loaded;                  /* it was mapped (it may have run) */
	bool shadow_created;          /* this apply made the process's
					 shadow-variable root (core/shadow_map.h) */
	bool shadow_missing;          /* the root is to be made (ibid.) */
	/* State transformers (core/xform.h): their table in the image, and
	 * the gadgets the thread that runs them is borrowed with. */
	uint32_t nxforms;
	size_t xform_off;
	struct ns_gadgets gadgets;
	/* Stop-the-world (core/stop.c): what the switch writes, the code no
	 * thread may be in, and what the commit gate undoes. */
	struct ns_plan plan;
	struct ns_range *busy;
	struct ns_gate_entry *undo;
};
#endif
