/* Target of t_libc_variable: the program never refers to stderr (it has
 * no copy of it: the fixture uses stdin and stdout only); v2's value()
 * writes to it. Commands:
 *   v   what value() returns (1; 2 with the patch) */
#include "fixture.h"

int value(void);

static int command(const char *line)
{
	if (!strcmp(line, "v"))
		return printf("%d\n", value());
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
