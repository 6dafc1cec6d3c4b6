/* v1 (docs/data-shapes.md, shape 3, a table written out): two modules, in
 * a table defined with its initializer. */
#include <stdio.h>
#include <string.h>

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

static struct module mod_twice = { "twice", twice, 0 };
static struct module mod_square = { "square", square, 0 };

struct module *table[] = {		/* global: other files may look at it */
	&mod_twice,
	&mod_square,
};
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
