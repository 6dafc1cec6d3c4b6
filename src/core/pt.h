/* pt.h — apply and revert in the per-thread mode (processes running
 * libnonstop): what they add to a patch's image and record, and the flow
 * of each through the steps of transition/perthread.h. */
#ifndef NONSTOP_CORE_PT_H
#define NONSTOP_CORE_PT_H
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "link/link.h"
#include "patch/patch.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "runtime/rt.h"

/* A process mixes no modes: a per-thread patch is refused while a
 * stop-the-world patch is applied, and the other way round (the
 * dispatchers choose by each thread's view; a stop-the-world jump over an
 * entry would ignore it). 0, or -1 with ERR. */
int ns_pt_check_mode(const struct ns_registry *reg, int mode, pid_t pid,
		     char *err, size_t errlen);

/* Reads the patchable entry of every function REC replaces and fills its
 * entry, prev and saved bytes; a function redirected by an earlier
 * per-thread patch of REG continues from that patch's code. 0, or -1 with
 * ERR naming the function. */
int ns_pt_read_sites(struct ns_rec *rec, const struct ns_registry *reg,
		     int mem_fd, char *err, size_t errlen);

/* Bytes of code (the dispatchers) and of writable data (generation bounds
 * and the plan area) the image needs for NFUNCS functions. */
size_t ns_pt_code_size(uint32_t nfuncs);
size_t ns_pt_data_size(uint32_t nfuncs);

/* Writes the dispatchers at IMG's CODE_OFF and lays out the data at
 * DATA_OFF (after relocation: new_addr of every function is known); fills
 * the record's per-thread fields. -1 with ERR if out of reach. */
int ns_pt_place(struct ns_rec *rec, struct ns_image *img, size_t code_off,
		size_t data_off, int64_t view_tpoff, char *err, size_t errlen);

/* Whether the new code of a replaced function calls nonstop_update_point:
 * a loop function. Fills NOTE with what that means for the user. */
void ns_pt_loop_note(const struct ns_patch *p, char *note, size_t len);

/* The switch of an apply whose patch is mapped with its record at
 * REC_ADDR: install, wait for every thread; then complete, or on timeout
 * withdraw (or, with o->leave_pending, leave it pending). 0 applied
 * (res->pending if left pending); -1 with res->err. *LIVE tells whether
 * its memory must stay (the patch runs, or could not be taken out fully);
 * if not, no thread can reach it and the caller removes it. */
int ns_pt_apply_switch(const struct ns_op_opts *o, struct ns_tracee *tr,
		       const struct ns_gadgets *g, struct ns_rt_handle *rt,
		       struct ns_registry *reg, struct ns_rec *rec,
		       uint64_t rec_addr, struct ns_op_result *res, bool *live);

/* Reverts per-thread patch E (revert.c has found it and checked that no
 * later patch stands on it), or goes on with a revert begun earlier: back,
 * wait, retire, release. 0 reverted (res->retiring if its memory is kept
 * for now); -1 with res->err. */
int ns_pt_revert(const struct ns_op_opts *o, struct ns_tracee *tr,
		 const struct ns_gadgets *g, struct ns_rt_handle *rt,
		 struct ns_registry *reg, struct ns_rec_entry *e,
		 struct ns_op_result *res);

/* Releases per-thread patches left retiring whose time has come, and
 * patches never installed (LOADED) with their pads restored. Part of the
 * sweep of every apply and revert. 0, or -1 with ERR. */
int ns_pt_sweep(struct ns_tracee *tr, const struct ns_gadgets *g,
		struct ns_rt_handle *rt, struct ns_registry *reg,
		char *err, size_t errlen);
#endif
