/* Target (docs/data-shapes.md, shape 3, a table written out): the same
 * commands as data_shape_module's, on a module table defined with its
 * initializer. "run NAME X" runs module NAME on X (prints its result, or
 * "no module NAME"), "mods" lists the modules with how often each has run. */
#include "fixture.h"

void modules_init(void);
int module_run(const char *name, long x, long *out);
void modules_list(char *buf, size_t len);

static int command(const char *line)
{
	const char *arg;
	char buf[256], name[32];
	long x, r;

	if ((arg = FIXTURE_ARG(line, "run "))) {
		if (sscanf(arg, "%31s %ld", name, &x) != 2)
			return printf("usage: run NAME X\n");
		if (module_run(name, x, &r) < 0)
			return printf("no module %s\n", name);
		return printf("%ld\n", r);
	}
	if (!strcmp(line, "mods")) {
		modules_list(buf, sizeof(buf));
		return printf("%s\n", buf);
	}
	return 0;
}

int main(void)
{
	fixture_init();
	modules_init();
	printf("ready\n");
	return fixture_loop(command);
}
