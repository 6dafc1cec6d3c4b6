/* rec_state.h — the state of a patch's record (registry.h enum
 * ns_rec_state): the moves it may make, in one table (rec_state.c), and
 * one function per move that makes it. Nothing else writes a state.
 *
 *   load (new -> LOADED), begin (LOADED -> APPLYING), commit (APPLYING
 *   -> APPLIED): a stop-the-world apply; install (LOADED -> APPLIED): a
 *   per-thread one; revert (APPLIED -> REVERTING): a stop-the-world revert,
 *   and every record apply --replace replaces; back (APPLIED -> PT_BACK)
 *   and retire (PT_BACK -> PT_RETIRING): a per-thread revert. The table
 *   says which operation makes each move, and how it lands in the target;
 *   docs/records.md ("Who moves them") shows the same table, and what a
 *   later nonstop does with a record in each state.
 *
 * A record ends with its memory, not with a state: LOADED and REVERTING
 * records are released by their operation or by the next sweep
 * (core/mapping.h), PT_RETIRING ones once no thread can be in them
 * (core/pt.h). A move written through a plan (the commit gate's journal
 * and ns_plan_write, transition/plan.h; libnonstop's plans, whose every
 * write carries its old value) is undone by that plan if the switch
 * fails or nonstop dies in it, back to where it started (the step's
 * BACK, which the table may set otherwise): an undo is not a move of its
 * own.
 *
 * Each move checks where it starts from: NOW is the state of the record
 * where the move is made (as read from the target, or as the moves
 * planned before it in the same switch leave it). Every operation checks
 * a record's state before it plans anything, so a move from anywhere else
 * is nonstop's own mistake: refused, with ERR, before anything is
 * written. */
#ifndef NONSTOP_REC_STATE_H
#define NONSTOP_REC_STATE_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "registry/registry.h"

/* One move, as the write that makes it in the target: the record's state
 * field, what it holds before the move and after, and what an undo of the
 * move writes back (FROM, but where the table says otherwise). */
struct ns_rec_step {
	uint64_t addr;
	uint32_t from, to;
	uint32_t back;
};

/* Our copy of a new record (in the image, not yet in the target):
 * LOADED. 0, or -1 with ERR if it has a state already. */
int ns_rec_move_load(struct ns_rec *rec, struct ns_err *err);

/* The moves in the target of the record at REC_ADDR, from state NOW:
 * each fills S and returns 0, or -1 with ERR if NOW is not where the
 * move starts from. */
int ns_rec_move_begin(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		      struct ns_err *err);
int ns_rec_move_commit(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       struct ns_err *err);
int ns_rec_move_install(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
			struct ns_err *err);
int ns_rec_move_revert(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       struct ns_err *err);
int ns_rec_move_back(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		     struct ns_err *err);
int ns_rec_move_retire(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       struct ns_err *err);

/* Writes S into the target through MEM_FD, or undoes it (its BACK: a
 * switch that failed to write what followed it); for a switch that writes its
 * places itself, every thread stopped. 0, or -1 with errno. */
int ns_rec_step_write(int mem_fd, const struct ns_rec_step *s);
int ns_rec_step_undo(int mem_fd, const struct ns_rec_step *s);

/* Keeps our copy REC in step once S is in the target. */
void ns_rec_step_done(struct ns_rec *rec, const struct ns_rec_step *s);
#endif
