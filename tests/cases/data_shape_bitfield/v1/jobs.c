/* v1: a job's priority is 0..3, in two bits. The jobs live in the heap,
 * on a list. */
#include <stdio.h>
#include <stdlib.h>

struct job {
	struct job *next;
	unsigned id : 12;
	unsigned prio : 2;
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

	if (prio > 3 || !(j = malloc(sizeof(*j))))
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
