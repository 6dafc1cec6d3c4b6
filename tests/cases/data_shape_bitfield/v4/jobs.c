/* v4, the patch as the user writes it with a state transformer
 * (docs/data-shapes.md, shape 2): v2 as it is (priorities 0..7 in three
 * bits, done one bit up), and a transformer for the list head, the
 * variable every live job is reached from, that rewrites each job in
 * place from v1's layout to v2's during the pause of apply (every thread
 * stopped, none in a function that reads a job's bits: they all changed,
 * so they are all in the patch). The struct keeps its size: the bits
 * move within the same word. The untransformer rewrites them back for
 * revert, a priority over 3 saturated at 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nonstop.h"

struct job {
	struct job *next;
	unsigned id : 12;
	unsigned prio : 3;
	unsigned done : 1;
	char name[16];
};

static struct job *jobs;
static unsigned last_id;

static struct job *find(unsigned id)
{
	for (struct job *j = jobs; j; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

int job_add(const char *name, unsigned prio)
{
	struct job *j;

	if (prio > 7 || !(j = malloc(sizeof(*j))))
		return -1;
	j->id = ++last_id;
	j->prio = prio;
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
	const struct job *j = find(id);

	if (!j)
		return -1;
	snprintf(buf, len, "%u %s prio=%u done=%u", (unsigned)j->id, j->name,
		 (unsigned)j->prio, (unsigned)j->done);
	return 0;
}

int job_del(unsigned id)
{
	for (struct job **p = &jobs; *p; p = &(*p)->next)
		if ((*p)->id == id) {
			struct job *j = *p;

			*p = j->next;
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

/* A job as the running program laid it out (v1). */
struct old_job {
	struct old_job *next;
	unsigned id : 12;
	unsigned prio : 2;
	unsigned done : 1;
	char name[16];
};
_Static_assert(sizeof(struct old_job) == sizeof(struct job), "the jobs are rewritten in place");

void jobs_relayout(const void *old, void *new)
{
	struct old_job *const *o = old;
	struct job **n = new;

	*n = (struct job *)*o;
	for (struct job *j = *n; j; j = j->next) {
		struct old_job was;

		memcpy(&was, j, sizeof(was));
		j->prio = was.prio;
		j->done = was.done;
	}
}

void jobs_relayout_back(const void *new, void *old)
{
	struct job *const *n = new;
	struct old_job **o = old;

	*o = (struct old_job *)*n;
	for (struct old_job *j = *o; j; j = j->next) {
		struct job is;

		memcpy(&is, j, sizeof(is));
		j->prio = is.prio > 3 ? 3 : is.prio;
		j->done = is.done;
	}
}

NONSTOP_TRANSFORM(jobs, jobs_relayout);
NONSTOP_UNTRANSFORM(jobs, jobs_relayout_back);
