/* Target of the host-wide tests (t_host_*): many copies run at once, each
 * writing what answer() returns into the file argv[1] every 10 ms (made
 * whole by a rename, so a reader never sees half of it). With "hold" as
 * argv[2] it first enters hold() and never leaves it (a copy the patch
 * cannot switch: hold() changes too); with a number, it writes every that
 * many milliseconds instead (bench/host_apply.sh: idler processes).
 * Single-threaded, asleep in nanosleep nearly all the time: an idle
 * process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int answer(void);
void hold(void);

static void report(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%d\n", answer());
	if (fclose(f) == 0)
		rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	if (argc < 2)
		return 2;
	report(argv[1]);
	if (argc > 2 && !strcmp(argv[2], "hold"))
		hold();
	if (argc > 2 && atoi(argv[2]) > 0) {
		nap.tv_sec = atoi(argv[2]) / 1000;
		nap.tv_nsec = atoi(argv[2]) % 1000 * 1000000L;
	}
	for (;;) {
		nanosleep(&nap, NULL);
		report(argv[1]);
	}
}
