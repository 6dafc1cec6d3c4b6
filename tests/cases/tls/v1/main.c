/* Target: "call N" prints compute(N); "tls" prints this thread's counters.
 * Unchanged in v2. */
#include "fixture.h"

int compute(int x);
extern __thread int tcalls;
extern __thread int tsum;

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if (!strcmp(line, "tls"))
		return printf("%d %d\n", tcalls, tsum);
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
