/* fault.h — failing (or dying at) step K of a run, on request, to prove
 * that every step rolls back.
 *
 * NONSTOP_FAULT_AT=K makes the K-th step that can fail in a real run fail
 * (steps are counted from 1: every system call run in the target, every
 * write to its memory, every thread stopped or moved). With
 * NONSTOP_FAULT_KILL=1 nonstop instead kills itself with SIGKILL at that
 * step, which is how the tests show that the target survives nonstop
 * dying anywhere. With NONSTOP_FAULT_SLEEP_MS=N it sleeps N ms there and
 * goes on, which opens a window a test can act in (a thread woken between
 * the attach and the stop). NONSTOP_FAULT_LOG=1 names each step on stderr.
 * These are for tests; unset, a step costs one branch. */
#ifndef NONSTOP_FAULT_H
#define NONSTOP_FAULT_H
#include <stdbool.h>

/* True if STEP must fail now (errno is then EIO). */
bool ns_fault(const char *step);

/* Counts the steps from 1 again: a host-wide command's worker runs one
 * operation after the other, and K is the step of each. */
void ns_fault_restart(void);
#endif
