/* rec_state.c — the moves of a record's state: the table, and the one
 * place that checks and makes them (rec_state.h). docs/records.md shows
 * the same table: a move added or changed here is changed there too. */
#include <stddef.h>
#include <stdio.h>

#include "proc/mem.h"
#include "registry/rec_state.h"

enum move {
	LOAD, BEGIN, COMMIT, INSTALL, REVERT, BACK, RETIRE,
};

/* Every move a record's state may make; a move not listed is refused.
 * BACK is what an undo of the move puts back (a switch that failed, or
 * the commit gate after nonstop died): where it started from, but for a
 * revert of a half-written switch, whose undo puts every entry jump back
 * whole: the record is then APPLIED, as a finished switch leaves it. */
static const struct {
	enum move move;
	const char *name;          /* for messages: "cannot be <name>d" */
	uint32_t from, to;         /* from 0: a record not in the target yet */
	uint32_t back;             /* the undo's; 0: FROM */
	const char *by;            /* which operation makes it */
} moves[] = {
	{ LOAD,    "load",    0,                NS_REC_LOADED,      0,
	  "apply: the record built, mapped with the patch" },
	{ BEGIN,   "begin",   NS_REC_LOADED,    NS_REC_APPLYING,    0,
	  "apply, stop-the-world: the first place of its switch" },
	{ COMMIT,  "commit",  NS_REC_APPLYING,  NS_REC_APPLIED,     0,
	  "apply, stop-the-world: the last place of its switch" },
	{ INSTALL, "install", NS_REC_LOADED,    NS_REC_APPLIED,     0,
	  "apply, per-thread: libnonstop's install plan" },
	{ REVERT,  "revert",  NS_REC_APPLIED,   NS_REC_REVERTING,   0,
	  "revert, stop-the-world: its switch back; apply --replace: "
	  "every replaced record, in the new patch's switch" },
	{ REVERT,  "revert",  NS_REC_APPLYING,  NS_REC_REVERTING,   NS_REC_APPLIED,
	  "revert of a switch a nonstop without the commit gate left half "
	  "written" },
	{ BACK,    "back",    NS_REC_APPLIED,   NS_REC_PT_BACK,     0,
	  "revert, per-thread, or a withdrawn apply: libnonstop's back plan" },
	{ RETIRE,  "retire",  NS_REC_PT_BACK,   NS_REC_PT_RETIRING, 0,
	  "revert, per-thread, or a withdrawn apply: libnonstop's retire "
	  "plan" },
};

/* Fills S with move M of the record at REC_ADDR from state NOW, if the
 * table has it. */
static int move(enum move m, uint32_t now, uint64_t rec_addr,
		struct ns_rec_step *s, struct ns_err *err)
{
	const char *name = "?";

	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		if (moves[i].move != m)
			continue;
		name = moves[i].name;
		if (moves[i].from != now)
			continue;
		s->addr = rec_addr + offsetof(struct ns_rec, state);
		s->from = now;
		s->to = moves[i].to;
		s->back = moves[i].back ? moves[i].back : now;
		return 0;
	}
	ns_err_set(err, "internal error: a record that is %s has no "
		 "move '%s'", now ? ns_rec_state_name(now) : "new", name);
	return -1;
}

int ns_rec_move_load(struct ns_rec *rec, struct ns_err *err)
{
	struct ns_rec_step s;

	if (move(LOAD, rec->state, 0, &s, err) < 0)
		return -1;
	ns_rec_step_done(rec, &s);
	return 0;
}

int ns_rec_move_begin(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		      struct ns_err *err)
{
	return move(BEGIN, now, rec_addr, s, err);
}

int ns_rec_move_commit(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       struct ns_err *err)
{
	return move(COMMIT, now, rec_addr, s, err);
}

int ns_rec_move_install(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
			struct ns_err *err)
{
	return move(INSTALL, now, rec_addr, s, err);
}

int ns_rec_move_revert(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       struct ns_err *err)
{
	return move(REVERT, now, rec_addr, s, err);
}

int ns_rec_move_back(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		     struct ns_err *err)
{
	return move(BACK, now, rec_addr, s, err);
}

int ns_rec_move_retire(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       struct ns_err *err)
{
	return move(RETIRE, now, rec_addr, s, err);
}

int ns_rec_step_write(int mem_fd, const struct ns_rec_step *s)
{
	return ns_mem_write(mem_fd, s->addr, &s->to, sizeof(s->to));
}

int ns_rec_step_undo(int mem_fd, const struct ns_rec_step *s)
{
	return ns_mem_write(mem_fd, s->addr, &s->back, sizeof(s->back));
}

void ns_rec_step_done(struct ns_rec *rec, const struct ns_rec_step *s)
{
	rec->state = s->to;
}
