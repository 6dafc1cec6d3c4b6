/* gadgets.h — code that already exists in the target and that nonstop
 * borrows to run its work there: nothing is ever written to the target's
 * code. */
#ifndef NONSTOP_GADGETS_H
#define NONSTOP_GADGETS_H
#include <stdint.h>

#include "proc/tracee.h"

struct ns_gadgets {
	uint64_t syscall;          /* `syscall; ret` */
	uint64_t sigreturn;        /* glibc's __restore_rt (`mov $15, %rax;
				      syscall`), 0 if none */
};

/* Bytes of glibc's restorer, up to and with its `syscall`. */
#define NS_RESTORER_LEN 9

/* Finds the gadgets in the target's executable memory (the vDSO first).
 * 0, or -1 with tr->err (no `syscall; ret` found). */
int ns_remote_find_gadgets(struct ns_tracee *tr, struct ns_gadgets *g);

#endif
