/* The function the patch changes, and hooks that make nonstop call into
 * the process after it maps the patch and before it unmaps it. */
#include "nonstop.h"

static int hook_runs;

const char *answer(void)
{
	return hook_runs == 2 ? "new" : "new without its hooks";
}

/* Each also sets the SSE rounding mode to toward zero, and leaves it so:
 * nonstop must give the program back its own FPU state. */
static int note_run(void)
{
	unsigned m;

	__asm__ volatile("stmxcsr %0" : "=m"(m));
	m |= 0x6000;
	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	hook_runs++;
	return 0;
}
NONSTOP_PRE_APPLY(note_run);
NONSTOP_POST_APPLY(note_run);
NONSTOP_PRE_REVERT(note_run);
