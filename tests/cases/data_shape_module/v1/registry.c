/* The module table: modules register themselves, the table holds
 * pointers to them. The same in every version. */
#include <stdio.h>
#include <string.h>

struct module {
	const char *name;
	long (*run)(long);
	unsigned long calls;		/* live state: how often it ran */
};

#define MAX_MODULES 8

static struct module *table[MAX_MODULES];
static int nmodules;

int module_register(struct module *m)
{
	if (nmodules == MAX_MODULES)
		return -1;
	table[nmodules++] = m;
	return 0;
}

int module_unregister(struct module *m)
{
	for (int i = 0; i < nmodules; i++)
		if (table[i] == m) {
			memmove(&table[i], &table[i + 1],
				(size_t)(nmodules - i - 1) * sizeof(table[0]));
			nmodules--;
			return 0;
		}
	return -1;
}

struct module *module_find(const char *name)
{
	for (int i = 0; i < nmodules; i++)
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
	for (int i = 0; i < nmodules && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s:%lu", i ? " " : "",
				      table[i]->name, table[i]->calls);
}
