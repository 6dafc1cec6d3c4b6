/* Target of t_hooks_anywhere: a single-threaded program that waits for
 * its commands in fgets, as many small daemons and tools do. Its one
 * thread, stopped by nonstop, is always inside stdio with stdin's lock
 * held: a hook that takes no lock (v2), or none of stdio's (v4: malloc),
 * runs there; one that prints (v3) must not. Commands:
 *   v       the version of value() the program runs (1, 2, 3, 4)
 *   count   the program's counter (the hooks of v2 scale it, v4 sets it)
 *   kept    what v4's pre-apply hook kept from malloc ("none" before) */
#include "fixture.h"

int value(void);

long counter = 7;
char *kept;

static int command(const char *line)
{
	if (!strcmp(line, "v"))
		return printf("%d\n", value());
	if (!strcmp(line, "count"))
		return printf("%ld\n", counter);
	if (!strcmp(line, "kept"))
		return printf("%s\n", kept ? kept : "none");
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
