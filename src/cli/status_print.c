/* status_print.c — `nonstop status`'s output (status.h): the text and the
 * JSON forms of what was read from a process. Any record, any thread list
 * prints: every string from the target escaped (ns_esc in the text,
 * ns_json_str in JSON), every enum through its name, a time out of range
 * as unknown. */
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/status.h"
#include "core/hooks.h"
#include "registry/rec_check.h"

/* Room for an escaped name (record, function, hook, thread). */
#define ESC_NAME NS_ESC_SIZE(NS_NAME_MAX)

const char *ns_status_when(uint64_t t, char *buf, size_t len)
{
	time_t tm = (time_t)t;
	struct tm local;

	if (!ns_rec_time_known(t) || !localtime_r(&tm, &local) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &local))
		snprintf(buf, len, "unknown time");
	return buf;
}

/* Where the dispatchers of record I of S stand (status.h). */
static enum ns_status_disp disp_of(const struct ns_status *s, size_t i)
{
	const struct ns_rec *r = s->reg->v[i].rec;

	if (r->mode != NS_MODE_PER_THREAD || r->state != NS_REC_APPLIED)
		return NS_DISP_NONE;
	if (r->pt.bypassed)
		return NS_DISP_RETIRED;
	if (s->disp && s->disp[i] > NS_DISP_NONE &&
	    s->disp[i] < NS_DISP_RETIRED)
		return s->disp[i];
	return NS_DISP_SWITCHING;
}

/* The dispatchers' stand in status --json. */
static const char *disp_name(enum ns_status_disp d)
{
	switch (d) {
	case NS_DISP_SWITCHING:   return "switching";
	case NS_DISP_TO_RETIRE:   return "to-retire";
	case NS_DISP_UNDER_LATER: return "under-later";
	case NS_DISP_RETIRED:     return "retired";
	default:                  return NULL;
	}
}

/* What the state of record I of S means for the user. */
static const char *state_text(const struct ns_status *s, size_t i)
{
	const struct ns_rec *r = s->reg->v[i].rec;

	if (r->mode != NS_MODE_PER_THREAD)
		return ns_rec_state_name(r->state);
	switch (r->state) {
	case NS_REC_APPLIED:
		switch (disp_of(s, i)) {
		case NS_DISP_RETIRED:
			return "applied per thread, dispatchers retired";
		case NS_DISP_TO_RETIRE:
			return "switched per thread; the next apply or revert "
			       "retires its dispatchers";
		case NS_DISP_UNDER_LATER:
			return "switched per thread; its dispatchers stay under "
			       "a later patch's";
		default:
			return "switching per thread";
		}
	case NS_REC_PT_BACK:     return "reverting per thread";
	case NS_REC_PT_RETIRING: return "retiring: reverted, memory kept";
	default:                 return ns_rec_state_name(r->state);
	}
}

static void print_threads(const struct ns_status_threads *t)
{
	printf("  threads (per-thread mode, generation %u%s):\n", t->rt.blk.gen,
	       t->rt.blk.waits ? ", NONSTOP_UPDATE_POINTS=waits" : "");
	for (size_t i = 0; i < t->n; i++) {
		const struct ns_rt_thread *th = &t->v[i];
		char name[NS_ESC_SIZE(sizeof(th->comm))];

		ns_esc(th->comm, name, sizeof(name));
		if (th->runtime)
			printf("     %7d  %-16s libnonstop's own thread\n",
			       (int)th->tid, name);
		else if (t->done[i] && ns_rt_at_wait(th) &&
			 th->view < t->rt.blk.gen)
			printf("     %7d  %-16s waiting in %s (an update point): "
			       "generation %u until the call returns\n",
			       (int)th->tid, name, ns_rt_wait_name(th->wait),
			       th->view);
		else if (t->done[i] && ns_rt_at_wait(th))
			printf("     %7d  %-16s switched (generation %u), waiting "
			       "in %s (an update point)\n", (int)th->tid, name,
			       th->view, ns_rt_wait_name(th->wait));
		else if (t->done[i] && th->outside && th->outside == th->view)
			printf("     %7d  %-16s switched (generation %u) by nonstop, "
			       "while asleep in a system call\n", (int)th->tid,
			       name, th->view);
		else if (t->done[i])
			printf("     %7d  %-16s switched (generation %u)\n",
			       (int)th->tid, name, th->view);
		else
			printf("     %7d  %-16s not switched: %s\n", (int)th->tid,
			       name, th->where);
	}
}

/* ---- hooks ---------------------------------------------------------------- */

/* A record's hooks and where each stands: "pre-apply f (returned 0)". */
static void print_hooks_text(int fd, struct ns_rec *r)
{
	struct ns_rec_hooks *h = ns_rec_hooks(r);
	char st[64], fn[ESC_NAME];
	bool first = true;

	if (!h)
		return;
	printf("       hooks:");
	for (uint32_t k = 0; k < NS_HOOK_KINDS; k++) {
		if (!h->fn[k])
			continue;
		printf("%s %s %s (%s)", first ? "" : ",", ns_hook_kind_name(k + 1),
		       ns_esc(h->name[k], fn, sizeof(fn)),
		       ns_hook_state(fd, r, k + 1, st, sizeof(st)));
		first = false;
	}
	putchar('\n');
}

static void print_hooks_json(int fd, struct ns_rec *r)
{
	struct ns_rec_hooks *h = ns_rec_hooks(r);
	char st[64];
	bool first = true;

	printf(",\"hooks\":[");
	for (uint32_t k = 0; h && k < NS_HOOK_KINDS; k++) {
		if (!h->fn[k])
			continue;
		printf("%s{\"kind\":\"%s\",\"function\":", first ? "" : ",",
		       ns_hook_kind_name(k + 1));
		ns_json_str(h->name[k]);
		printf(",\"state\":");
		ns_json_str(ns_hook_state(fd, r, k + 1, st, sizeof(st)));
		putchar('}');
		first = false;
	}
	putchar(']');
}

/* ---- end of hooks ---------------------------------------------------------- */

static void print_record_text(const struct ns_status *s, size_t i)
{
	struct ns_rec *r = s->reg->v[i].rec;
	int fd = s->mem_fd;
	char when[64], name[ESC_NAME];

	printf("  %llu. %s  [%s, since %s, code at 0x%llx]\n",
	       (unsigned long long)r->seq, ns_esc(r->name, name, sizeof(name)),
	       state_text(s, i), ns_status_when(r->applied_at, when, sizeof(when)),
	       (unsigned long long)r->code_start);
	for (uint32_t f = 0; f < r->nfuncs; f++)
		printf("       %s  0x%llx -> 0x%llx\n",
		       ns_esc(r->funcs[f].name, name, sizeof(name)),
		       (unsigned long long)r->funcs[f].old_addr,
		       (unsigned long long)r->funcs[f].new_addr);
	if (r->eh_frame)
		printf("       unwind info: %llu bytes at 0x%llx, %u "
		       "function%s; with libgcc: %s\n",
		       (unsigned long long)r->eh_frame_size,
		       (unsigned long long)r->eh_frame, r->nsyms,
		       r->nsyms == 1 ? "" : "s",
		       r->frames == NS_FRAMES_NONE ? "not registered" :
		       ns_rec_frames_name(r->frames));
	else
		printf("       unwind info: none\n");
	print_hooks_text(fd, r);
}

/* The records that are not acted on, and why. */
static void print_bad_text(const struct ns_registry *reg)
{
	for (size_t i = 0; i < reg->nbad; i++) {
		const struct ns_rec_bad *b = &reg->bad[i];
		char name[ESC_NAME], why[NS_ESC_SIZE(sizeof(b->why))];

		printf("  damaged record '%s' at 0x%llx, ignored: %s\n",
		       ns_esc(b->name, name, sizeof(name)),
		       (unsigned long long)b->addr, ns_esc(b->why, why, sizeof(why)));
	}
}

void ns_status_text(const struct ns_status *s)
{
	const struct ns_registry *reg = s->reg;
	const struct ns_status_threads *t = s->t;
	size_t applied = reg->n;

	if (reg->n == 0) {
		printf("process %d: no patches applied (%zu thread%s)\n", s->pid,
		       s->threads, s->threads == 1 ? "" : "s");
		print_bad_text(reg);
		return;
	}
	for (size_t i = 0; i < reg->n; i++)
		applied -= reg->v[i].rec->state == NS_REC_PT_RETIRING;
	printf("process %d: %zu patch%s applied", s->pid, applied,
	       applied == 1 ? "" : "es");
	if (applied < reg->n)
		printf(", %zu retiring", reg->n - applied);
	if (t && t->pending)
		printf(" (%zu thread%s, %zu not switched yet)\n", s->threads,
		       s->threads == 1 ? "" : "s", t->pending);
	else
		printf(" (%zu thread%s, all on the newest code)\n", s->threads,
		       s->threads == 1 ? "" : "s");
	for (size_t i = 0; i < reg->n; i++)
		print_record_text(s, i);
	print_bad_text(reg);
	if (t)
		print_threads(t);
}

static void print_json_threads(const struct ns_status_threads *t)
{
	bool first = true;

	printf("\"threads_on_old_code\":[");
	for (size_t i = 0; t && i < t->n; i++) {
		if (t->done[i])
			continue;
		printf("%s%d", first ? "" : ",", (int)t->v[i].tid);
		first = false;
	}
	printf("]");
	if (!t)
		return;
	printf(",\"generation\":%u,\"update_points_waits\":%s,"
	       "\"thread_list\":[", t->rt.blk.gen,
	       t->rt.blk.waits ? "true" : "false");
	for (size_t i = 0; i < t->n; i++) {
		const struct ns_rt_thread *th = &t->v[i];
		printf("%s{\"tid\":%d,\"name\":", i ? "," : "", (int)th->tid);
		ns_json_str(th->comm);
		printf(",\"runtime\":%s,\"registered\":%s,\"view\":%u,"
		       "\"switched\":%s,\"switched_asleep\":%s,",
		       th->runtime ? "true" : "false",
		       th->registered ? "true" : "false", th->view,
		       t->done[i] ? "true" : "false",
		       th->outside && th->outside == th->view ? "true" : "false");
		/* How long after the last change of generation this thread
		 * took it up: its switch delay, if it has switched since. */
		if (th->view == t->rt.blk.gen && th->switched_ns >= t->rt.blk.gen_ns)
			printf("\"switch_delay_us\":%.1f,",
			       (th->switched_ns - t->rt.blk.gen_ns) / 1e3);
		printf("\"where\":");
		ns_json_str(th->where);
		/* Waits mode: the call it is at an update point in. */
		printf(",\"waiting\":");
		if (ns_rt_at_wait(th))
			ns_json_str(ns_rt_wait_name(th->wait));
		else
			printf("null");
		printf("}");
	}
	printf("]");
}

/* A record as a JSON object. applied_at is the number the record holds,
 * whatever it is (the text says "unknown time" when it is no time). A
 * per-thread patch being applied says where its dispatchers stand. */
static void print_record_json(const struct ns_status *s, size_t i)
{
	struct ns_rec *r = s->reg->v[i].rec;
	const char *disp = disp_name(disp_of(s, i));
	int fd = s->mem_fd;

	printf("{\"name\":");
	ns_json_str(r->name);
	printf(",\"seq\":%llu,\"state\":\"%s\",\"mode\":\"%s\","
	       "\"applied_at\":%llu,",
	       (unsigned long long)r->seq, ns_rec_state_name(r->state),
	       r->mode == NS_MODE_PER_THREAD ? "per-thread" : "stop-the-world",
	       (unsigned long long)r->applied_at);
	if (disp)
		printf("\"dispatchers\":\"%s\",", disp);
	printf("\"functions\":[");
	for (uint32_t f = 0; f < r->nfuncs; f++) {
		printf("%s{\"name\":", f ? "," : "");
		ns_json_str(r->funcs[f].name);
		printf(",\"old\":\"0x%llx\",\"new\":\"0x%llx\"}",
		       (unsigned long long)r->funcs[f].old_addr,
		       (unsigned long long)r->funcs[f].new_addr);
	}
	printf("],\"unwind\":");
	if (r->eh_frame)
		printf("{\"eh_frame\":\"0x%llx\",\"size\":%llu,"
		       "\"functions\":%u,\"libgcc\":\"%s\"}",
		       (unsigned long long)r->eh_frame,
		       (unsigned long long)r->eh_frame_size, r->nsyms,
		       ns_rec_frames_name(r->frames));
	else
		printf("null");
	print_hooks_json(fd, r);
	printf("}");
}

void ns_status_json(const struct ns_status *s)
{
	const struct ns_registry *reg = s->reg;

	printf("{\"pid\":%d,\"mode\":\"%s\",\"threads\":%zu,", s->pid,
	       s->t ? "per-thread" : "stop-the-world", s->threads);
	print_json_threads(s->t);
	printf(",\"patches\":[");
	for (size_t i = 0; i < reg->n; i++) {
		printf("%s", i ? "," : "");
		print_record_json(s, i);
	}
	printf("],\"damaged\":[");
	for (size_t i = 0; i < reg->nbad; i++) {
		printf("%s{\"address\":\"0x%llx\",\"name\":", i ? "," : "",
		       (unsigned long long)reg->bad[i].addr);
		ns_json_str(reg->bad[i].name);
		printf(",\"why\":");
		ns_json_str(reg->bad[i].why);
		printf("}");
	}
	printf("]}\n");
}
