/* v3, the patch as the user writes it with a shadow variable
 * (docs/data-shapes.md, shape 2): priorities 0..7, as in v2, but struct
 * job keeps v1's layout, since the live jobs and the old code have it.
 * prio keeps the priority, saturated at 3 (what v1 can hold); a job whose
 * priority is higher has the whole of it in a shadow variable. */
#include <stdio.h>
#include <stdlib.h>

#include "nonstop.h"

struct job {
	struct job *next;
	unsigned id : 12;
	unsigned prio : 2;
	unsigned done : 1;
	char name[16];
};

#define JOB_PRIO 0x6a6f6270UL	/* the shadow variable's id: "jobp" */

static struct job *jobs;
static unsigned last_id;

static struct job *find(unsigned id)
{
	for (struct job *j = jobs; j; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

static unsigned job_prio(struct job *j)
{
	unsigned char *p = nonstop_shadow_get(j, JOB_PRIO);

	return p ? *p : j->prio;
}

int job_add(const char *name, unsigned prio)
{
	struct job *j;

	if (prio > 7 || !(j = malloc(sizeof(*j))))
		return -1;
	if (prio > 3) {
		unsigned char *p = nonstop_shadow_alloc(j, JOB_PRIO, sizeof(*p));

		if (!p) {
			free(j);
			return -1;
		}
		*p = (unsigned char)prio;
	}
	j->id = ++last_id;
	j->prio = prio > 3 ? 3 : prio;
	j->done = 0;
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->next = jobs;
	jobs = j;
	return (int)j->id;
}

int job_done(unsigned id)
{
	struct job *j = find(id);

	if (!j)
		return -1;
	j->done = 1;
	return 0;
}

int job_show(unsigned id, char *buf, size_t len)
{
	struct job *j = find(id);

	if (!j)
		return -1;
	snprintf(buf, len, "%u %s prio=%u done=%u", (unsigned)j->id, j->name,
		 job_prio(j), (unsigned)j->done);
	return 0;
}

int job_del(unsigned id)
{
	for (struct job **p = &jobs; *p; p = &(*p)->next)
		if ((*p)->id == id) {
			struct job *j = *p;

			*p = j->next;
			nonstop_shadow_free(j, JOB_PRIO);
			free(j);
			return 0;
		}
	return -1;
}

int job_count(void)
{
	int n = 0;

	for (const struct job *j = jobs; j; j = j->next)
		n++;
	return n;
}

/* Reverted, the old code reads the saturated prio; the shadow variables
 * are nobody's any more. */
static int drop_prios(void)
{
	nonstop_shadow_free_all(JOB_PRIO);
	return 0;
}
NONSTOP_POST_REVERT(drop_prios);
