/* v3, the patch as the user writes it (docs/data-shapes.md, shape 3): v2,
 * and hooks that do for the running process what modules_init() did for
 * v2 at its start: register the new module once the patch is live, and
 * take it out of the table before the patch (its code, mod_negate) goes
 * away on revert. */
#include "nonstop.h"

struct module {
	const char *name;
	long (*run)(long);
	unsigned long calls;		/* live state: how often it ran */
};

int module_register(struct module *m);
int module_unregister(struct module *m);

static long twice(long x)
{
	return 2 * x;
}

static long square(long x)
{
	return x * x;
}

static long negate(long x)
{
	return -x;
}

static struct module mod_twice = { "twice", twice, 0 };
static struct module mod_square = { "square", square, 0 };
static struct module mod_negate = { "negate", negate, 0 };

void modules_init(void)
{
	module_register(&mod_twice);
	module_register(&mod_square);
	module_register(&mod_negate);
}

static void hook_msg(const char *s)
{
	size_t i = 0;

	if (!nonstop_hook_msg)
		return;
	for (; s[i] && i < NONSTOP_HOOK_MSG_MAX - 1; i++)
		nonstop_hook_msg[i] = s[i];
	nonstop_hook_msg[i] = '\0';
}

static int negate_in(void)
{
	if (module_register(&mod_negate)) {
		hook_msg("the module table is full");
		return 1;		/* the patch is rolled back */
	}
	return 0;
}
NONSTOP_POST_APPLY(negate_in);

static int negate_out(void)
{
	module_unregister(&mod_negate);
	return 0;
}
NONSTOP_PRE_REVERT(negate_out);
