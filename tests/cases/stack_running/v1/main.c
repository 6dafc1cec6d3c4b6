/* Target of t_stack_on_running: "greet" prints greet(), "calc N" prints
 * calc(N), "limit N" prints limit(N), "tally W" counts a hit and prints
 * one of the counters, "count" prints how many calls were
 * answered (state that must survive every patch). Unchanged in every
 * version. */
#include "fixture.h"

const char *greet(void);
int calc(int x);
int limit(int x);
int tally(int w);
int hits(int w);

static int answered;

static int command(const char *line)
{
	const char *arg;

	answered++;
	if (!strcmp(line, "greet"))
		return printf("%s\n", greet());
	if ((arg = FIXTURE_ARG(line, "calc ")))
		return printf("%d\n", calc(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "limit ")))
		return printf("%d\n", limit(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "tally ")))
		return printf("%d\n", hits(tally(atoi(arg))));
	if (!strcmp(line, "count"))
		return printf("%d\n", answered);
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
