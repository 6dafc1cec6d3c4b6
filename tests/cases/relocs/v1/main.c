/* Target: "describe N" prints describe(N). */
#include "fixture.h"

void describe(int x, char *buf, unsigned long len);

static int command(const char *line)
{
	const char *arg;
	char out[256];

	if ((arg = FIXTURE_ARG(line, "describe "))) {
		describe(atoi(arg), out, sizeof(out));
		return printf("%s\n", out);
	}
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
