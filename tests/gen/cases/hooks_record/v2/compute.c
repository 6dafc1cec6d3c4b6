#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int compute(int x) { return x * 20; }

/* What include/nonstop.h's NONSTOP_PRE_APPLY(ready) and
 * NONSTOP_POST_REVERT(done) expand to (the corpus is built without
 * nonstop's include directory). */
struct nonstop_hook { unsigned int kind, reserved; int (*fn)(void); };
static int ready(void) { return 0; }
static int done(void) { return compute(1) == 20 ? 0 : 1; }
static struct nonstop_hook nonstop__hook_pre_apply_ready
	__attribute__((used, section(".nonstop.hooks"), aligned(8))) = { 1, 0, ready };
static struct nonstop_hook nonstop__hook_post_revert_done
	__attribute__((used, section(".nonstop.hooks"), aligned(8))) = { 4, 0, done };
