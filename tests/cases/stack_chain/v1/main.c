/* Target of the stacking tests: "call N" prints compute(N), "handle N"
 * prints handle(N), "bias N" sets the global bias compute() adds, "calls"
 * prints how often scale() ran (state that must survive every patch).
 * Unchanged in every version. */
#include "fixture.h"

int compute(int x);
int handle(int x);
extern int bias, calls;

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "handle ")))
		return printf("%d\n", handle(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "bias ")))
		return printf("bias %d\n", bias = atoi(arg));
	if (!strcmp(line, "calls"))
		return printf("%d\n", calls);
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
