/* live_gate.c — linked into the corpus programs, never into the objects a
 * patch is built from. With NS_LIVE_GATE set, the program stops before
 * main, blocked in read() on stdin until a line arrives: the harness applies
 * the patch to that live process, then lets it run, and its output must be
 * the new version's. */
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void live_gate(void)
{
	char c;

	if (getenv("NS_LIVE_GATE"))
		while (read(0, &c, 1) == 1 && c != '\n')
			;
}
