/* Target: "call N" prints handle(N). Unchanged by the fixes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

int handle(int x);

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
			printf("%d\n", handle(atoi(line + 5)));
		else
			printf("unknown command: %s\n", line);
	}
	return 0;
}
