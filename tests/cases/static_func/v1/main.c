/* Target: "call N" prints handle(N). Unchanged in v2. */
#include "fixture.h"

int handle(int x);

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", handle(atoi(arg)));
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
