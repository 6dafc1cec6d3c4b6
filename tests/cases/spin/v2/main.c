/* Target: one thread enters spin() and never leaves it.
 *   tid     the thread id (gettid) of that thread
 *   spins   how many rounds it has made (it keeps running)
 *   answer  answer(), changed by the patch along with spin() */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern atomic_ulong spins;
void spin(void);
const char *answer(void);

static atomic_long spinner_tid;

static void *spinner(void *arg)
{
	(void)arg;
	atomic_store(&spinner_tid, (long)syscall(SYS_gettid));
	spin();
	return NULL;
}

int main(void)
{
	char line[256];
	pthread_t t;

	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pthread_create(&t, NULL, spinner, NULL)) {
		printf("cannot start the spinner\n");
		return 1;
	}
	while (!atomic_load(&spinner_tid) || !atomic_load(&spins))
		usleep(1000);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ping"))
			printf("pong\n");
		else if (!strcmp(line, "tid"))
			printf("%ld\n", atomic_load(&spinner_tid));
		else if (!strcmp(line, "spins"))
			printf("%lu\n", atomic_load(&spins));
		else if (!strcmp(line, "answer"))
			printf("%s\n", answer());
		else
			printf("unknown command: %s\n", line);
	}
	return 0;
}
