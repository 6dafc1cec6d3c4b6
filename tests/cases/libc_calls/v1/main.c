/* Target: "label N" prints label(N). This program does not use snprintf or
 * strlen, so v1/prog does not import them; the v2 label() does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

void label(int x, char *buf, unsigned long len);

int main(void)
{
	char line[256], out[256];

	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ping"))
			printf("pong\n");
		else if (!strncmp(line, "label ", 6)) {
			label(atoi(line + 6), out, sizeof(out));
			printf("%s\n", out);
		}
		else
			printf("unknown command: %s\n", line);
	}
	return 0;
}
