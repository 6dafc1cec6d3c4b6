/* Target for the shadow-variable tests (t_shadow*). Its running version
 * never includes nonstop.h: the process has no shadow-variable root of its
 * own, so the first patch that uses one makes nonstop create it.
 *
 * The objects are an array of items; the patches attach a call counter to
 * each (visit.c). Commands on stdin, one answer line each:
 *   hit I    visit(item I): v1 0; with a patch, the item's counter
 *   hitall   visit() on every item; prints the sum of the answers
 *   peek I   peek(item I): v1 -1; patched, the counter or -1 if none
 *   check    check(items): v1 -1; patched, 0 if the API behaves as
 *            documented, else the number of the first failed check
 *   drop     drop(): v1 0; patched, frees every counter and prints 1
 *   heap     bytes in use in malloc's main arena (mallinfo2)
 *   ping     pong
 * Linked with libnonstop (t_shadow_pt), the loop passes an update point
 * every 10 ms (declared weak here: the program does not include
 * nonstop.h, and without libnonstop it has none). */
#include <malloc.h>

#include "fixture.h"

/* (build_case copies only .c files: what visit.c shares is repeated.) */
#define NITEMS 1000
struct item {
	int id;
	char name[12];
};
int visit(struct item *it);
int peek(struct item *it);
int check(struct item *items);
int drop(void);

extern void nonstop_update_point(void) __attribute__((weak));

struct item items[NITEMS];

static int command(const char *line)
{
	const char *arg = strchr(line, ' ');
	int i = arg ? atoi(arg + 1) : 0;

	if (i < 0 || i >= NITEMS)
		i = 0;
	if (FIXTURE_ARG(line, "hit "))
		return printf("%d\n", visit(&items[i]));
	if (!strcmp(line, "hitall")) {
		long sum = 0;

		for (int k = 0; k < NITEMS; k++)
			sum += visit(&items[k]);
		return printf("%ld\n", sum);
	}
	if (FIXTURE_ARG(line, "peek "))
		return printf("%d\n", peek(&items[i]));
	if (!strcmp(line, "check"))
		return printf("%d\n", check(items));
	if (!strcmp(line, "drop"))
		return printf("%d\n", drop());
	if (!strcmp(line, "heap"))
		return printf("%zu\n", mallinfo2().uordblks);
	return 0;
}

int main(void)
{
	fixture_init();
	for (int k = 0; k < NITEMS; k++)
		items[k].id = k;
	printf("ready\n");
	return fixture_poll_loop(command, nonstop_update_point);
}
