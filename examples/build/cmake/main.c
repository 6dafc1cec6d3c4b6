/* main.c — writes what answer() returns into the file argv[1] every
 * 20 ms (whole, by a rename). With HAVE_NONSTOP (linked with libnonstop),
 * each turn of the loop is an update point: the per-thread mode. */
#include <stdio.h>
#include <time.h>
#ifdef HAVE_NONSTOP
#include <nonstop.h>
#endif

int answer(void);

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
	const struct timespec nap = { 0, 20 * 1000 * 1000 };

	if (argc < 2) {
		fprintf(stderr, "usage: prog FILE\n");
		return 2;
	}
	for (;;) {
		report(argv[1]);
#ifdef HAVE_NONSTOP
		nonstop_update_point();
#endif
		nanosleep(&nap, NULL);
	}
}
