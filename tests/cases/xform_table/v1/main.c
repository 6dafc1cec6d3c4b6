/* Target: "add NAME" adds an entry to the table (prints its index), "hit I"
 * counts a hit on entry I (prints its hits), "show I" prints entry I, "n"
 * the number of entries, "drop I" marks entry I unused, "first" prints the
 * id of entry 0 if it is used (else -1), "beats" how often the worker
 * thread has looked at the table. The table is live state (table.c); the
 * worker thread uses it all the time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

int add(const char *name);
int hit(int i);
void show(int i, char *buf, size_t len);
int entries(void);
int drop(int i);
int first_used(void);
long beat(void);
long beats(void);

static void *worker(void *arg)
{
	struct timespec ts = { 0, 200 * 1000 };

	(void)arg;
	for (;;) {
		beat();
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	char line[256], buf[256];
	pthread_t t;

	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
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
		} else if (!strncmp(line, "drop ", 5)) {
			printf("%d\n", drop(atoi(line + 5)));
		} else if (!strcmp(line, "first")) {
			printf("%d\n", first_used());
		} else if (!strcmp(line, "beats")) {
			printf("%ld\n", beats());
		} else {
			printf("unknown command: %s\n", line);
		}
	}
	return 0;
}
