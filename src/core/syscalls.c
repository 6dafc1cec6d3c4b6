/* syscalls.c — judging up front the system calls of a patch's life (see
 * syscalls.h): each part of nonstop names the calls it makes threads run
 * (mapping.h, remote.h, gate.h, perthread.h), and every thread that will
 * run them is judged. */
#include "core/mapping.h"
#include "core/syscalls.h"
#include "proc/remote.h"
#include "proc/seccomp.h"
#include "transition/gate.h"
#include "transition/perthread.h"

int ns_syscalls_check(struct ns_tracee *tr, const struct ns_rt_handle *rt)
{
	struct ns_sc_list l = { .n = 0 };

	ns_mapping_syscalls(&l);
	ns_remote_syscalls(&l);
	if (rt)
		ns_pt_syscalls(rt, &l);
	else
		ns_gate_syscalls(&l);
	return ns_seccomp_check_tracee(tr, &l);
}
