/* Target: "add NAME" adds an entry to the table (prints its index), "hit I"
 * counts a hit on entry I (prints its hits), "show I" prints entry I, "n"
 * the number of entries, "drop I" marks entry I unused, "first" prints the
 * id of entry 0 if it is used (else -1), "beats" how often the worker
 * thread has looked at the table. The table is live state (table.c); the
 * worker thread uses it all the time. */
#include <pthread.h>
#include <time.h>

#include "fixture.h"

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

static int command(const char *line)
{
	const char *arg;
	char buf[256];

	if ((arg = FIXTURE_ARG(line, "add ")))
		return printf("%d\n", add(arg));
	if ((arg = FIXTURE_ARG(line, "hit ")))
		return printf("%d\n", hit(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "show "))) {
		show(atoi(arg), buf, sizeof(buf));
		return printf("%s\n", buf);
	}
	if (!strcmp(line, "n"))
		return printf("%d\n", entries());
	if ((arg = FIXTURE_ARG(line, "drop ")))
		return printf("%d\n", drop(atoi(arg)));
	if (!strcmp(line, "first"))
		return printf("%d\n", first_used());
	if (!strcmp(line, "beats"))
		return printf("%ld\n", beats());
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	printf("ready\n");
	return fixture_loop(command);
}
