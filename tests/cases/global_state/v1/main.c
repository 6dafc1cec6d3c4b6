/* Target: "bump" prints bump(), "get" prints the global counter. */
#include "fixture.h"

extern long counter;
long bump(void);

static int command(const char *line)
{
	if (!strcmp(line, "bump"))
		return printf("%ld\n", bump());
	if (!strcmp(line, "get"))
		return printf("%ld\n", counter);
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
