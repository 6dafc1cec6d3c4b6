/* A second file with a pre-apply hook of its own:
 * include/nonstop.h's NONSTOP_PRE_APPLY(also_ready), written out. */
int compute(int x);
struct nonstop_hook { unsigned int kind, reserved; int (*fn)(void); };
static int also_ready(void) { return compute(1) == 20 ? 0 : 1; }
static struct nonstop_hook nonstop__hook_pre_apply_also_ready
	__attribute__((used, section(".nonstop.hooks"), aligned(8))) = { 1, 0, also_ready };
