/* Target of the line_shift tests: "call N" prints fixme(N), "mask N"
 * masked(N), "check N" checked(N), "log N" logged(N). Unchanged in v2. */
#include "fixture.h"

int before(int x);
int checked(int x);
int logged(int x);
int fixme(int x);
int masked(int x);

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", fixme(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "mask ")))
		return printf("%d\n", masked(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "check ")))
		return printf("%d\n", checked(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "log ")))
		return printf("%d\n", logged(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "before ")))
		return printf("%d\n", before(atoi(arg)));
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
