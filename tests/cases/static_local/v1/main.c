/* Target: "tick" prints tick(). */
#include "fixture.h"

long tick(void);

static int command(const char *line)
{
	if (!strcmp(line, "tick"))
		return printf("%ld\n", tick());
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
