/* Target of t_library_patch: "calc N" prints calc(N) of libshl.so,
 * "verbose N" sets the library's variable (the program's copy of it). */
#include "fixture.h"

extern int verbose;
int calc(int x);

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "calc ")))
		return printf("%d\n", calc(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "verbose ")))
		return printf("verbose %d\n", verbose = atoi(arg));
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
