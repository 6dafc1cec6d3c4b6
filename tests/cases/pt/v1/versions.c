/* The functions the per-thread tests patch: v2 changes ver_a, ver_b and
 * handler together, so a thread that mixed versions would see a pair that
 * does not match. */
#include <unistd.h>

int ver_a(int x) { return x + 1; }
int ver_b(int x) { return x + 10; }
int handler(int x) { return x * 2; }
/* The "stuck" thread sleeps in here: a function every patch replaces. */
int stuck_wait(void) { pause(); return 1; }
/* The "held" thread waits in here: a function every patch replaces. */
int held_wait(void (*wait)(void)) { wait(); return 1; }
