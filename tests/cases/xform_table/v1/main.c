/* Target: "add NAME" adds an entry to the table (prints its index), "hit I"
 * counts a hit on entry I (prints its hits), "show I" prints entry I, "n"
 * the number of entries. The table is live state (table.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

int add(const char *name);
int hit(int i);
void show(int i, char *buf, size_t len);
int entries(void);

int main(void)
{
	char line[256], buf[256];

	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ping")) {
			printf("pong\n");
		} else if (!strncmp(line, "add ", 4)) {
			printf("%d\n", add(line + 4));
		} else if (!strncmp(line, "hit ", 4)) {
			printf("%d\n", hit(atoi(line + 4)));
		} else if (!strncmp(line, "show ", 5)) {
			show(atoi(line + 5), buf, sizeof(buf));
			printf("%s\n", buf);
		} else if (!strcmp(line, "n")) {
			printf("%d\n", entries());
		} else {
			printf("unknown command: %s\n", line);
		}
	}
	return 0;
}
