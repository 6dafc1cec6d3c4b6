/* plan.c — the ordered writes of one switch and their undo (see plan.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc/mem.h"
#include "transition/plan.h"

int ns_plan_init(struct ns_plan *p, size_t cap)
{
	p->n = 0;
	p->cap = cap;
	p->v = calloc(cap ? cap : 1, sizeof(*p->v));
	return p->v ? 0 : -1;
}

void ns_plan_free(struct ns_plan *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int ns_plan_add(struct ns_plan *p, uint64_t addr, const void *before,
		const void *after, uint32_t len)
{
	struct ns_place *pl;

	if (p->n >= p->cap || len > NS_GATE_BYTES_MAX)
		return -1;
	pl = &p->v[p->n++];
	pl->addr = addr;
	pl->len = len;
	memcpy(pl->before, before, len);
	memcpy(pl->after, after, len);
	return 0;
}

int ns_plan_add_step(struct ns_plan *p, const struct ns_rec_step *s)
{
	return ns_plan_add(p, s->addr, &s->back, &s->to, sizeof(s->to));
}

int ns_plan_write(const struct ns_plan *p, int mem_fd)
{
	size_t i;
	int saved;

	for (i = 0; i < p->n; i++)
		if (ns_mem_write(mem_fd, p->v[i].addr, p->v[i].after,
				 p->v[i].len) < 0)
			goto undo;
	return 0;
undo:
	saved = errno;
	/* The failed place too: a short write may have changed part of it. */
	for (size_t k = i + 1; k-- > 0;)
		(void)ns_mem_write(mem_fd, p->v[k].addr, p->v[k].before,
				   p->v[k].len);
	errno = saved;
	return -1;
}

struct ns_gate_entry *ns_plan_undo(const struct ns_plan *p)
{
	struct ns_gate_entry *e = calloc(p->n ? p->n : 1, sizeof(*e));

	if (!e)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		const struct ns_place *pl = &p->v[p->n - 1 - i];

		e[i].addr = pl->addr;
		e[i].len = pl->len;
		memcpy(e[i].bytes, pl->before, pl->len);
	}
	return e;
}
