/* rec_state.c — the moves of a record's state: the table, and the one
 * place that checks and makes them (rec_state.h). */
#include <stddef.h>
#include <stdio.h>

#include "proc/mem.h"
#include "registry/rec_state.h"

enum move {
	LOAD, BEGIN, COMMIT, INSTALL, REVERT, BACK, RETIRE,
};

/* Every move a record's state may make; a move not listed is refused. */
static const struct {
	enum move move;
	const char *name;          /* for messages: "cannot be <name>d" */
	uint32_t from, to;         /* from 0: a record not in the target yet */
	const char *by;            /* which operation makes it */
} moves[] = {
	{ LOAD,    "load",    0,                NS_REC_LOADED,
	  "apply: the record built, mapped with the patch" },
	{ BEGIN,   "begin",   NS_REC_LOADED,    NS_REC_APPLYING,
	  "apply, stop-the-world: the first place of its switch" },
	{ COMMIT,  "commit",  NS_REC_APPLYING,  NS_REC_APPLIED,
	  "apply, stop-the-world: the last place of its switch" },
	{ INSTALL, "install", NS_REC_LOADED,    NS_REC_APPLIED,
	  "apply, per-thread: libnonstop's install plan" },
	{ REVERT,  "revert",  NS_REC_APPLIED,   NS_REC_REVERTING,
	  "revert, stop-the-world: its switch back; apply --replace: "
	  "every replaced record, in the new patch's switch" },
	{ REVERT,  "revert",  NS_REC_APPLYING,  NS_REC_REVERTING,
	  "revert of a switch a nonstop without the commit gate left half "
	  "written" },
	{ BACK,    "back",    NS_REC_APPLIED,   NS_REC_PT_BACK,
	  "revert, per-thread: libnonstop's back plan" },
	{ RETIRE,  "retire",  NS_REC_PT_BACK,   NS_REC_PT_RETIRING,
	  "revert, per-thread: libnonstop's retire plan" },
};

/* Fills S with move M of the record at REC_ADDR from state NOW, if the
 * table has it. */
static int move(enum move m, uint32_t now, uint64_t rec_addr,
		struct ns_rec_step *s, char *err, size_t errlen)
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
		return 0;
	}
	snprintf(err, errlen, "internal error: a record that is %s has no "
		 "move '%s'", now ? ns_rec_state_name(now) : "new", name);
	return -1;
}

int ns_rec_move_load(struct ns_rec *rec, char *err, size_t errlen)
{
	struct ns_rec_step s;

	if (move(LOAD, rec->state, 0, &s, err, errlen) < 0)
		return -1;
	ns_rec_step_done(rec, &s);
	return 0;
}

int ns_rec_move_begin(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		      char *err, size_t errlen)
{
	return move(BEGIN, now, rec_addr, s, err, errlen);
}

int ns_rec_move_commit(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       char *err, size_t errlen)
{
	return move(COMMIT, now, rec_addr, s, err, errlen);
}

int ns_rec_move_install(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
			char *err, size_t errlen)
{
	return move(INSTALL, now, rec_addr, s, err, errlen);
}

int ns_rec_move_revert(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       char *err, size_t errlen)
{
	return move(REVERT, now, rec_addr, s, err, errlen);
}

int ns_rec_move_back(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		     char *err, size_t errlen)
{
	return move(BACK, now, rec_addr, s, err, errlen);
}

int ns_rec_move_retire(uint32_t now, uint64_t rec_addr, struct ns_rec_step *s,
		       char *err, size_t errlen)
{
	return move(RETIRE, now, rec_addr, s, err, errlen);
}

int ns_rec_step_write(int mem_fd, const struct ns_rec_step *s)
{
	return ns_mem_write(mem_fd, s->addr, &s->to, sizeof(s->to));
}

int ns_rec_step_undo(int mem_fd, const struct ns_rec_step *s)
{
	return ns_mem_write(mem_fd, s->addr, &s->from, sizeof(s->from));
}

void ns_rec_step_done(struct ns_rec *rec, const struct ns_rec_step *s)
{
	rec->state = s->to;
}
