/* Target: "greet" prints greeting(). */
#include "fixture.h"

const char *greeting(void);

static int command(const char *line)
{
	if (!strcmp(line, "greet"))
		return printf("%s\n", greeting());
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
