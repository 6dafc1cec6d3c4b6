/* Target for the per-thread tests (linked with libnonstop).
 *
 * Four workers loop: update point, ver_a(), a little work, ver_b(). Version
 * V of the functions returns x + V and x + 10 V: between two update points a
 * thread must see one version of both; a pair of two versions is counted as
 * a mix (it must never happen in the per-thread mode). An
 * event-loop thread never leaves event_loop() (loop.c), which calls
 * handler() at each turn after its update point. With --stuck, a thread named "stuck"
 * blocks in pause() inside stuck_wait(), which every patch replaces, and
 * never reaches an update point: nonstop cannot switch it either. With
 * --asleep, a thread named "asleep" blocks in pause() outside any function
 * a patch replaces, never passing an update point: nonstop switches it
 * while it sleeps; each SIGUSR1 ("wake") makes it call handler() once.
 * With --held, a thread named "held" passes an update point every
 * millisecond, except while it is held (blocked in a futex, between two
 * update points, inside held_wait(), which every patch replaces: nonstop
 * cannot switch it asleep). Commands on stdin,
 * read by a thread that polls with a timeout and passes an update point
 * at every turn:
 *   v       workers=old|new|v3|both (the version of the last pair each
 *           worker saw: 1 old, 2 new, 3 v3) loop=old|new|v3 (handler's)
 *   mixed   pairs of mixed versions seen (0, or the test fails)
 *   iters   total worker iterations (state that must survive patching)
 *   spawn   starts one more event-loop thread ("loop2")
 *   wake    (--asleep) wakes "asleep" once: asleep=2 old, 3 new (v2/v3), 4 (v4)
 *   wakes   how many times "asleep" woke (from pause(): a signal, or EINTR)
 *   hold    "held" once the held thread waits (--held)
 *   release "released": the held thread goes on
 *   ping    pong */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "fixture.h"
#include "nonstop.h"

#define WORKERS 4

int ver_a(int x);
int ver_b(int x);
void event_loop(void);
extern atomic_int loop_seen;

static atomic_ulong mixed, iters;
static atomic_int last[WORKERS];       /* the version each saw last */

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	for (unsigned x = 0;; x = (x + 1) & 0xffff) {
		nonstop_update_point();
		int a = ver_a((int)x);
		for (volatile int i = 0; i < 200; i++)
			;
		int b = ver_b((int)x);
		int va = a - (int)x, vb = (b - (int)x) / 10;
		if (va != vb)
			atomic_fetch_add(&mixed, 1);
		atomic_store(&last[id], va);
		atomic_fetch_add(&iters, 1);
	}
	return NULL;
}

static void *loop_thread(void *arg)
{
	prctl(PR_SET_NAME, arg ? "loop2" : "loop", 0, 0, 0);
	event_loop();
	return NULL;
}

int stuck_wait(void);
int held_wait(void (*wait)(void));
int handler(int x);
static atomic_int asleep_saw;          /* handler(1) when it last woke */
static atomic_int asleep_wakes;        /* times it woke */
static pthread_t asleep_t;
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static int holding, held, have_held;

/* The held thread's wait, called from held_wait() (versions.c). */
static void wait_while_held(void)
{
	pthread_mutex_lock(&hold_mu);
	while (holding) {
		held = 1;
		pthread_cond_broadcast(&hold_cv);
		pthread_cond_wait(&hold_cv, &hold_mu);
	}
	held = 0;
	pthread_mutex_unlock(&hold_mu);
}

static void *held_thread(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "held", 0, 0, 0);
	for (;;) {
		nonstop_update_point();
		held_wait(wait_while_held);
		usleep(1000);
	}
	return NULL;
}

/* hold (HOLD 1): returns once the held thread waits; release (0). */
static void hold(int h)
{
	pthread_mutex_lock(&hold_mu);
	holding = h;
	pthread_cond_broadcast(&hold_cv);
	while (h && !held)
		pthread_cond_wait(&hold_cv, &hold_mu);
	pthread_mutex_unlock(&hold_mu);
}

static void *stuck_thread(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "stuck", 0, 0, 0);
	for (;;)
		stuck_wait();
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *asleep_thread(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "asleep", 0, 0, 0);
	for (;;) {
		pause();
		atomic_fetch_add(&asleep_wakes, 1);
		atomic_store(&asleep_saw, handler(1));
	}
	return NULL;
}

static const char *version_name(int v)
{
	return v == 1 ? "old" : v == 2 ? "new" : v == 3 ? "v3" : "?";
}

static const char *workers_state(void)
{
	int v = atomic_load(&last[0]);

	for (int i = 1; i < WORKERS; i++)
		if (atomic_load(&last[i]) != v)
			return "both";
	return version_name(v);
}

static int command(const char *line)
{
	if (!strcmp(line, "v"))
		return printf("workers=%s loop=%s\n", workers_state(),
			      version_name(atomic_load(&loop_seen)));
	if (!strcmp(line, "mixed"))
		return printf("%lu\n", atomic_load(&mixed));
	if (!strcmp(line, "iters"))
		return printf("%lu\n", atomic_load(&iters));
	if (!strcmp(line, "wake")) {
		atomic_store(&asleep_saw, 0);
		pthread_kill(asleep_t, SIGUSR1);
		for (int i = 0; i < 2000 && !atomic_load(&asleep_saw); i++)
			usleep(1000);
		return printf("asleep=%d\n", atomic_load(&asleep_saw));
	}
	if (!strcmp(line, "wakes"))
		return printf("%d\n", atomic_load(&asleep_wakes));
	if (!strcmp(line, "spawn")) {
		pthread_t t;

		return printf("%s\n", pthread_create(&t, NULL, loop_thread, "2") ?
			      "failed" : "spawned");
	}
	if (!strcmp(line, "hold")) {
		if (!have_held)
			return printf("no held thread (--held)\n");
		hold(1);
		return printf("held\n");
	}
	if (!strcmp(line, "release")) {
		hold(0);
		return printf("released\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t;

	fixture_init();
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&t, NULL, worker, (void *)i);
	pthread_create(&t, NULL, loop_thread, NULL);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stuck"))
			pthread_create(&t, NULL, stuck_thread, NULL);
		if (!strcmp(argv[i], "--held"))
			have_held = !pthread_create(&t, NULL, held_thread, NULL);
		if (!strcmp(argv[i], "--asleep")) {
			signal(SIGUSR1, on_usr1);
			pthread_create(&asleep_t, NULL, asleep_thread, NULL);
		}
	}
	while (atomic_load(&iters) < 100 || !atomic_load(&loop_seen))
		usleep(1000);
	printf("ready\n");
	return fixture_poll_loop(command, nonstop_update_point);
}
