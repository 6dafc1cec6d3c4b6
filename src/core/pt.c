/* pt.c — the per-thread mode's table of operations (mode.h), and how it
 * holds a process: libnonstop's own thread, the only one ptrace stops in
 * this mode, which runs every call nonstop makes and every plan. No other
 * thread waits for nonstop, which runs at nice 10 meanwhile: it takes CPU
 * from the program only when the program leaves some. */
#include <stdio.h>

#include "core/mode.h"
#include "core/pt.h"
#include "core/syscalls.h"
#include "util/sched.h"

static int attach(struct ns_session *s)
{
	ns_sched_background();
	if (ns_tracee_attach_thread(&s->tr, s->o->pid, (pid_t)s->rt.blk.tid) < 0)
		return -1;
	s->res->stopped_tid = (int)s->rt.blk.tid;
	return 0;
}

static int check_syscalls(struct ns_session *s)
{
	return ns_syscalls_check(&s->tr, &s->rt);
}

/* Nothing is unwound: libnonstop's thread, asleep and holding no lock, is
 * borrowed as it is. */
static int prepare_unwind(struct ns_session *s)
{
	(void)s;
	return 0;
}

/* libnonstop's thread is still held. */
static int hook_threads(struct ns_apply_op *a)
{
	(void)a;
	return 0;
}

void ns_pt_report(const struct ns_pt *x, struct ns_op_result *res)
{
	res->pt_threads = x->threads;
	res->pt_asleep = x->switched_asleep;
	res->pt_waiting = x->waiting;
	res->switch_ns = x->switch_ns;
	res->first_ns = x->first_ns;
}

const struct ns_mode ns_mode_per_thread = {
	.rec_mode = NS_MODE_PER_THREAD,
	.attach = attach,
	.check_syscalls = check_syscalls,
	.refuse = ns_pt_refuse,
	.read_entries = ns_pt_read_entries,
	.extra_sizes = ns_pt_extra_sizes,
	.place = ns_pt_place,
	.prepare_unwind = prepare_unwind,
	.apply_switch = ns_pt_apply_switch,
	.hook_threads = hook_threads,
	.switch_back = ns_pt_switch_back,
	.release = ns_pt_release,
};
