/* Target of t_replace_alias: "calc N" prints calc(N). calc has a second
 * name at its address (calc_alias), as libxml2's functions have
 * (xmlTextReaderRead and xmlTextReaderRead__internal_alias): a patch
 * replaces both names. */
#include "fixture.h"

int calc(int x);

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "calc ")))
		return printf("%d\n", calc(atoi(arg)));
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
