/* Target for the concurrent shadow-variable tests (t_shadow_mt,
 * t_shadow_mt_pt). It includes nonstop.h, so it has a shadow root of its
 * own, which the patch must bind to (no nonstop:shadow mapping).
 *
 * Four workers loop at full speed: an update point (if libnonstop is
 * there), then work(id, n, shared object, private object), then some
 * spinning outside work() (so that a stop-the-world switch finds moments
 * when no worker is in it: against the patch's work(), whose shadow calls
 * share one lock, 1000 turns made a revert need 11-29 attempts, and once,
 * on a loaded machine, find none in 5 s; 3000 need 1-4). v1's work() only
 * counts visits; the patch's allocates, reads, checks and frees shadow
 * variables of the four shared objects (every worker) and of each worker's
 * four private ones, and counts what it finds wrong (work.c). Commands on stdin:
 *   iters    worker iterations so far (must keep growing)
 *   checks   work() calls that checked shadows (v1: 0)
 *   errors   lost or mixed-up shadows seen (v1: 0; must stay 0)
 *   hold     makes every worker wait outside work(); "held" once all do
 *   verify   with the workers held: the patch's whole-table check (0: ok)
 *   go       lets the workers run again
 *   ping     pong */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "fixture.h"
#include "nonstop.h"

/* Linked with libnonstop or not (t_shadow_mt_pt, t_shadow_mt). */
#pragma weak nonstop_update_point

/* (build_case copies only .c files: what work.c shares is repeated.) */
#define WORKERS 4
#define NSHARED 4
#define NPRIV   4
struct obj {
	unsigned long visits;
	int id;
};
void work(int id, unsigned long n, struct obj *s, struct obj *p);
unsigned long checks(void);
unsigned long errors(void);
long verify(void);

struct obj shared[NSHARED];
struct obj priv[WORKERS][NPRIV];

static atomic_ulong iters;
static atomic_int hold;            /* the hold generation, 0: run */
static atomic_int held[WORKERS];   /* the generation each worker waits in */

static void update_point(void)
{
	if (nonstop_update_point)
		nonstop_update_point();
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	for (unsigned long n = 1;; n++) {
		int h;

		update_point();
		if ((h = atomic_load(&hold))) {
			atomic_store(&held[id], h);
			usleep(1000);
			continue;
		}
		work(id, n, &shared[n % NSHARED], &priv[id][n % NPRIV]);
		atomic_fetch_add(&iters, 1);
		for (volatile int i = 0; i < 3000; i++)
			;
	}
	return NULL;
}

static void hold_workers(void)
{
	static int gen;
	int all;

	atomic_store(&hold, ++gen);
	do {
		usleep(1000);
		update_point();
		all = 1;
		for (int i = 0; i < WORKERS; i++)
			all &= atomic_load(&held[i]) == gen;
	} while (!all);
}

static int command(const char *line)
{
	if (!strcmp(line, "iters"))
		return printf("%lu\n", atomic_load(&iters));
	if (!strcmp(line, "checks"))
		return printf("%lu\n", checks());
	if (!strcmp(line, "errors"))
		return printf("%lu\n", errors());
	if (!strcmp(line, "hold")) {
		hold_workers();
		return printf("held\n");
	}
	if (!strcmp(line, "verify"))
		return printf("%ld\n", verify());
	if (!strcmp(line, "go")) {
		atomic_store(&hold, 0);
		return printf("going\n");
	}
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&t, NULL, worker, (void *)i);
	while (atomic_load(&iters) < 1000)
		usleep(1000);
	printf("ready\n");
	return fixture_poll_loop(command, nonstop_update_point);
}
