/* Target: "label N" prints label(N). This program does not use snprintf or
 * strlen, so v1/prog does not import them; the v2 label() does. */
#include "fixture.h"

void label(int x, char *buf, unsigned long len);

static int command(const char *line)
{
	const char *arg;
	char out[256];

	if ((arg = FIXTURE_ARG(line, "label "))) {
		label(atoi(arg), out, sizeof(out));
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
