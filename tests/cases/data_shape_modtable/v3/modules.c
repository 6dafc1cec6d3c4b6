/* v3, the patch as the user writes it (docs/data-shapes.md, shape 3, a
 * table written out): v2, and a transformer of the table, as shape 1's: the
 * patch's table holds this build's initializer (its last entry points at
 * the patch's new module); the transformer copies the live entries over
 * the first ones. The modules, not the table, hold the counters: they
 * stay where they are. */
#include <stdio.h>
#include <string.h>

#include "nonstop.h"

struct module {
	const char *name;
	long (*run)(long);
	unsigned long calls;		/* live state: how often it ran */
};

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

struct module *table[] = {		/* global: other files may look at it */
	&mod_twice,
	&mod_square,
	&mod_negate,
};
#define OLD_NMODULES 2

void table_grow(const void *old, void *new)
{
	struct module *const *o = old;
	struct module **n = new;

	for (size_t i = 0; i < OLD_NMODULES; i++)
		n[i] = o[i];
}
NONSTOP_TRANSFORM(table, table_grow);

void table_shrink(const void *new, void *old)
{
	struct module *const *n = new;
	struct module **o = old;

	for (size_t i = 0; i < OLD_NMODULES; i++)
		o[i] = n[i];
}
NONSTOP_UNTRANSFORM(table, table_shrink);

#define NMODULES (sizeof(table) / sizeof(table[0]))

void modules_init(void)
{
}

static struct module *module_find(const char *name)
{
	for (size_t i = 0; i < NMODULES; i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	return NULL;
}

int module_run(const char *name, long x, long *out)
{
	struct module *m = module_find(name);

	if (!m)
		return -1;
	m->calls++;
	*out = m->run(x);
	return 0;
}

void modules_list(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NMODULES && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s:%lu", i ? " " : "",
				      table[i]->name, table[i]->calls);
}
