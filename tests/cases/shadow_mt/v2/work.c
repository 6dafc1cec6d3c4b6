/* The patch: every work() call uses shadow variables, from four threads
 * at once, and checks them.
 *   - A private object (only its worker touches it) has a record with
 *     its address, its owner and a count; the worker knows whether it
 *     should exist (it frees it every 7th visit) and its count. Lost,
 *     come back after free, not zeroed, or someone else's: an error.
 *   - A shared object (all workers) gets one record, created by whoever
 *     comes first (alloc is "get or create"): each worker finds the same
 *     one, with the object's address, and adds one hit to it. With the
 *     workers held, the hits must add up to the touches counted.
 *   - Churn: every call also creates a scratch shadow of one of 1024
 *     addresses (growing the table while others use it), and worker 0
 *     frees them all now and then: free_all of one id must leave the
 *     others alone. */
#include <stdint.h>

#include "nonstop.h"

#define WORKERS 4
#define NSHARED 4
#define NPRIV   4
#define ID_PRIV    0x5101
#define ID_SHARED  0x5102
#define ID_SCRATCH 0x5103

struct obj {
	unsigned long visits;
	int id;
};

extern struct obj shared[NSHARED];
extern struct obj priv[WORKERS][NPRIV];

struct priv_rec {
	const void *obj;
	int owner;                 /* worker + 1 */
	unsigned long count, check;
};

struct shared_rec {
	const void *obj;
	unsigned long hits;
};

static unsigned long nchecks, nerrors, touches;
/* Each worker's own view of its private objects' records. */
static unsigned char have[WORKERS][NPRIV];
static unsigned long expect[WORKERS][NPRIV];

static void bad(void)
{
	__atomic_fetch_add(&nerrors, 1, __ATOMIC_RELAXED);
}

static unsigned long key(const void *p)
{
	return (uintptr_t)p * 31 + 7;
}

static void private_rec(int id, int k, struct obj *p, unsigned long n)
{
	struct priv_rec *r = nonstop_shadow_get(p, ID_PRIV);

	if (have[id][k] != (r != NULL))
		bad();                     /* lost, or back after its free */
	if (!r) {
		r = nonstop_shadow_alloc(p, ID_PRIV, sizeof(*r));
		if (!r) {
			bad();
			return;
		}
		if (r->obj || r->owner || r->count || r->check)
			bad();             /* not new, not zeroed */
		r->obj = p;
		r->owner = id + 1;
		r->check = key(p);
		have[id][k] = 1;
		expect[id][k] = 0;
	}
	if (r->obj != p || r->owner != id + 1 || r->count != expect[id][k] ||
	    r->check != (r->count ^ key(p)))
		bad();                     /* mixed up with another's */
	r->count++;
	r->check = r->count ^ key(p);
	expect[id][k]++;
	if (n % 7 == 0) {
		nonstop_shadow_free(p, ID_PRIV);
		have[id][k] = 0;
	}
}

static void shared_rec(struct obj *s)
{
	struct shared_rec *q = nonstop_shadow_alloc(s, ID_SHARED, sizeof(*q));
	const void *none = NULL;

	if (!q) {
		bad();
		return;
	}
	/* The first worker to come names it; the others must find it so. */
	__atomic_compare_exchange_n(&q->obj, &none, (const void *)s, 0,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&q->obj, __ATOMIC_ACQUIRE) != s)
		bad();
	__atomic_fetch_add(&q->hits, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&touches, 1, __ATOMIC_RELAXED);
}

static void churn(int id, int k, unsigned long n)
{
	const char *at = (const char *)&priv[id][k] + n % 64;

	if (!nonstop_shadow_alloc((void *)at, ID_SCRATCH, 8))
		bad();
	if (id == 0 && n % 4096 == 0)
		nonstop_shadow_free_all(ID_SCRATCH);
}

void work(int id, unsigned long n, struct obj *s, struct obj *p)
{
	int k = (int)(n % NPRIV);

	__atomic_fetch_add(&s->visits, 1, __ATOMIC_RELAXED);
	p->visits++;
	private_rec(id, k, p, n);
	shared_rec(s);
	churn(id, k, n);
	__atomic_fetch_add(&nchecks, 1, __ATOMIC_RELAXED);
}

unsigned long checks(void)
{
	return __atomic_load_n(&nchecks, __ATOMIC_RELAXED);
}

unsigned long errors(void)
{
	return __atomic_load_n(&nerrors, __ATOMIC_RELAXED);
}

/* With every worker held outside work(): the whole table agrees with
 * what the workers counted. 0, or how many things do not. */
long verify(void)
{
	unsigned long hits = 0;
	long wrong = 0;

	for (int i = 0; i < NSHARED; i++) {
		struct shared_rec *q = nonstop_shadow_get(&shared[i], ID_SHARED);
		if (q)
			hits += q->hits;
	}
	wrong += hits != touches;
	for (int id = 0; id < WORKERS; id++)
		for (int k = 0; k < NPRIV; k++) {
			struct priv_rec *r = nonstop_shadow_get(&priv[id][k], ID_PRIV);
			if (have[id][k] ? !r || r->count != expect[id][k] : r != NULL)
				wrong++;
		}
	return wrong;
}
