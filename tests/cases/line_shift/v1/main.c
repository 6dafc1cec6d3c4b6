/* Target of the line_shift tests: "call N" prints fixme(N), "mask N"
 * masked(N), "check N" checked(N), "log N" logged(N). Unchanged in v2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

int before(int x);
int checked(int x);
int logged(int x);
int fixme(int x);
int masked(int x);

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
			printf("%d\n", fixme(atoi(line + 5)));
		else if (!strncmp(line, "mask ", 5))
			printf("%d\n", masked(atoi(line + 5)));
		else if (!strncmp(line, "check ", 6))
			printf("%d\n", checked(atoi(line + 6)));
		else if (!strncmp(line, "log ", 4))
			printf("%d\n", logged(atoi(line + 4)));
		else if (!strncmp(line, "before ", 7))
			printf("%d\n", before(atoi(line + 7)));
		else
			printf("unknown command: %s\n", line);
	}
	return 0;
}
