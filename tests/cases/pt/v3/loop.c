/* loop.c — the event loop of the per-thread tests: a function that never
 * returns. The thread running it switches, at the update point inside the
 * loop, to the newest version of what it calls; v3 changes the loop
 * function itself. */
#include <stdatomic.h>
#include <unistd.h>

#include "nonstop.h"

int handler(int x);

atomic_int loop_seen;   /* handler's version, as the loop last saw it */
static unsigned long loop_turns;  /* v3: the loop itself changed */

void event_loop(void)
{
	for (;;) {
		nonstop_update_point();
		atomic_store(&loop_seen, handler(7) / 7 - 1);
		loop_turns++;
		usleep(1000);
	}
}
