/* Target (docs/data-shapes.md, shape 2): jobs in heap objects whose struct
 * packs its fields in bit-fields. "add NAME PRIO" adds a job (prints its
 * id, -1 if the priority is out of range), "done ID" marks it done, "show
 * ID" prints it, "del ID" frees it, "jobs" prints how many there are. */
#include "fixture.h"

int job_add(const char *name, unsigned prio);
int job_done(unsigned id);
int job_show(unsigned id, char *buf, size_t len);
int job_del(unsigned id);
int job_count(void);

static int command(const char *line)
{
	const char *arg;
	char buf[128], name[32];
	unsigned n;

	if ((arg = FIXTURE_ARG(line, "add "))) {
		if (sscanf(arg, "%31s %u", name, &n) != 2)
			return printf("usage: add NAME PRIO\n");
		return printf("%d\n", job_add(name, n));
	}
	if ((arg = FIXTURE_ARG(line, "done ")))
		return printf("%d\n", job_done((unsigned)atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "show "))) {
		if (job_show((unsigned)atoi(arg), buf, sizeof(buf)) < 0)
			return printf("no job %s\n", arg);
		return printf("%s\n", buf);
	}
	if ((arg = FIXTURE_ARG(line, "del ")))
		return printf("%d\n", job_del((unsigned)atoi(arg)));
	if (!strcmp(line, "jobs"))
		return printf("%d\n", job_count());
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
