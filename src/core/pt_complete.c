/* pt_complete.c — `apply --complete PID`: the end of the per-thread
 * applies that --leave-pending left switching, on the user's word rather
 * than by the next apply or revert's sweep (core/pt_sweep.h), which does
 * the same with the threads as they are. The process is taken as a
 * per-thread apply takes it (core/session.h); each such patch is waited
 * for as its apply would have (ns_pt_wait_switched, --timeout), and only
 * once every one of them has all its threads switched are their
 * dispatchers retired (ns_pt_complete_later: one plan each), so that a
 * refusal changes nothing. A patch with a later patch installed over it
 * is not one of them (ns_pt_completable): that one's dispatcher falls
 * back to it. */
#include <stdio.h>
#include <stdlib.h>

#include "core/mode.h"
#include "core/pt.h"
#include "core/session.h"

/* Whether record E is a patch left switching that can be completed. */
static bool left_switching(struct ns_session *s, const struct ns_rec_entry *e)
{
	return ns_pt_completable(s->tr.mem_fd, e->rec);
}

static void init(struct ns_pt *x, struct ns_session *s, struct ns_rec_entry *e)
{
	*x = (struct ns_pt){
		.tr = &s->tr, .g = NULL, .rt = &s->rt, .rec_addr = e->addr,
		.rec = e->rec, .timeout = s->o->timeout,
	};
}

/* Every thread switched to every patch left switching, within the
 * timeout (each wait its own, as an apply's). 0, or -1 with res->err. */
static int wait_all(struct ns_session *s)
{
	for (size_t i = 0; i < s->reg.n; i++) {
		struct ns_rec_entry *e = &s->reg.v[i];
		struct ns_pt x;
		int rc;

		if (!left_switching(s, e))
			continue;
		init(&x, s, e);
		rc = ns_pt_wait_switched(&x);
		ns_pt_report(&x, s->res);
		if (rc < 0)
			return -1;
		if (rc == 1)
			return ns_op_fail(s->res, "not finished: %s; no update point "
					  "within %.3g s (--timeout): patch '%s' "
					  "stays pending", x.blocker,
					  s->o->timeout, e->rec->name);
	}
	return 0;
}

int ns_apply_complete(const struct ns_op_opts *o, struct ns_op_result *res)
{
	struct ns_op_opts po = *o;
	struct ns_session s;
	int rc = 1;

	po.mode = NS_OPT_MODE_PER_THREAD;   /* there is nothing else to end */
	po.complete = true;
	ns_session_init(&s, &po, res);
	if (ns_session_lock(&s) < 0 || ns_mode_choose_apply(&s) < 0 ||
	    ns_session_hold(&s) < 0 || wait_all(&s) < 0)
		goto out;
	res->completed = calloc(s.reg.n ? s.reg.n : 1, sizeof(*res->completed));
	if (!res->completed) {
		ns_op_fail(res, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s.reg.n; i++) {
		struct ns_rec_entry *e = &s.reg.v[i];
		struct ns_pt x;
		int c;

		if (!left_switching(&s, e))
			continue;
		init(&x, &s, e);
		c = ns_pt_complete_later(&x);
		if (c < 0)
			goto out;
		if (c == 1)
			snprintf(res->completed[res->ncompleted++],
				 sizeof(res->completed[0]), "%s", e->rec->name);
	}
	rc = 0;
out:
	ns_session_close(&s);
	return rc;
}
