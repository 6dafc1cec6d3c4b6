#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int compute(int x) { return x * 20; }

/* include/nonstop.h's NONSTOP_PRE_APPLY(ready), written out. */
struct nonstop_hook { unsigned int kind, reserved; int (*fn)(void); };
static int ready(void) { return 0; }
static struct nonstop_hook nonstop__hook_pre_apply_ready
	__attribute__((used, section(".nonstop.hooks"), aligned(8))) = { 1, 0, ready };
