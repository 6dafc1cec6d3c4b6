/* Target of the stacking tests: "call N" prints compute(N), "handle N"
 * prints handle(N), "bias N" sets the global bias compute() adds, "calls"
 * prints how often scale() ran (state that must survive every patch).
 * Unchanged in every version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

int compute(int x);
int handle(int x);
extern int bias, calls;

int main(void)
{
	char line[256];

	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ping"))
			printf("pong\n");
		else if (!strncmp(line, "call ", 5))
			printf("%d\n", compute(atoi(line + 5)));
		else if (!strncmp(line, "handle ", 7))
			printf("%d\n", handle(atoi(line + 7)));
		else if (!strncmp(line, "bias ", 5))
			printf("bias %d\n", bias = atoi(line + 5));
		else if (!strcmp(line, "calls"))
			printf("%d\n", calls);
		else
			printf("unknown command: %s\n", line);
	}
	return 0;
}
