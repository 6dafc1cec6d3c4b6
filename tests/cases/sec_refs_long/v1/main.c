/* Target of t_sec_patch_refs' long-name part: calc() calls a function
 * whose name is longer than the longest string a reference may record. */
#include "fixture.h"

__attribute__((noinline)) int helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_x(int x)
{
	return x + 1;
}

__attribute__((noinline)) int calc(int x)
{
	return helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_helper_with_a_very_long_name_x(x) * 2;
}

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
