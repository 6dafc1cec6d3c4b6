/* status.c — `nonstop status`: what is applied to a process, read from the
 * records nonstop keeps inside it. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/hooks.h"
#include "link/target.h"
#include "proc/mem.h"
#include "registry/registry.h"
#include "runtime/rt.h"
#include "transition/perthread.h"

static void help(void)
{
	printf("usage: nonstop status [--json] PID\n\n"
	       "Lists the patches applied to the running process PID, in the order\n"
	       "they were applied, with the functions each redirects, and which\n"
	       "threads still run old code. In stop-the-world mode every thread\n"
	       "switches at once, so none does once a patch is applied; in the\n"
	       "per-thread mode each thread is listed: switched, or not yet and\n"
	       "where it is (no thread is stopped to find out). For a patch with\n"
	       "hooks, where each hook stands: not run, running, or what it\n"
	       "returned (also after a nonstop that was killed).\n\n"
	       "exit: 0 listed (possibly nothing); 1 no such process or not\n"
	       "permitted; 2 usage error\n");
}

static size_t count_threads(int pid)
{
	char fn[64];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(fn, sizeof(fn), "/proc/%d/task", pid);
	d = opendir(fn);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The threads of a process with per-thread patches, and which of them
 * are not done with a transition. */
struct threads {
	struct ns_rt_handle rt;
	struct ns_rt_thread *v;
	size_t n;
	bool *done;
	char (*why)[256];
	size_t pending;
};

static bool any_per_thread(const struct ns_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->v[i].rec->mode == NS_MODE_PER_THREAD)
			return true;
	return false;
}

/* Reads libnonstop's registry of threads; a thread is done if it is done
 * with every per-thread record's transition. */
static int read_threads(int pid, int fd, const struct ns_registry *reg,
			struct threads *t)
{
	struct ns_target target;
	char err[256];
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (ns_target_open(&target, pid, err, sizeof(err)) < 0)
		return -1;
	if (ns_rt_find(&target, fd, &t->rt, err, sizeof(err)) == 1 &&
	    ns_rt_threads(pid, fd, &t->rt, &t->v, &t->n) == 0) {
		t->done = calloc(t->n ? t->n : 1, sizeof(*t->done));
		t->why = calloc(t->n ? t->n : 1, sizeof(*t->why));
		rc = t->done && t->why ? 0 : -1;
	}
	ns_target_close(&target);
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		t->done[i] = true;
		for (size_t r = 0; r < reg->n && t->done[i]; r++)
			t->done[i] = t->v[i].runtime ||
				     ns_pt_thread_done(&t->v[i], reg->v[r].rec,
						       t->why[i], sizeof(t->why[i]));
		t->pending += !t->done[i];
	}
	return rc;
}

static void free_threads(struct threads *t)
{
	free(t->v);
	free(t->done);
	free(t->why);
}

/* What a record's state means for the user. */
static const char *state_text(const struct ns_rec *r)
{
	if (r->mode != NS_MODE_PER_THREAD)
		return ns_rec_state_name(r->state);
	switch (r->state) {
	case NS_REC_APPLIED:
		return r->pt.bypassed ? "applied per thread"
				      : "switching per thread";
	case NS_REC_PT_BACK:     return "reverting per thread";
	case NS_REC_PT_RETIRING: return "retiring: reverted, memory kept";
	default:                 return ns_rec_state_name(r->state);
	}
}

static void print_threads(const struct threads *t)
{
	printf("  threads (per-thread mode, generation %u):\n", t->rt.blk.gen);
	for (size_t i = 0; i < t->n; i++) {
		const struct ns_rt_thread *th = &t->v[i];
		if (th->runtime)
			printf("     %7d  %-16s libnonstop's own thread\n",
			       (int)th->tid, th->comm);
		else if (t->done[i])
			printf("     %7d  %-16s switched (generation %u)\n",
			       (int)th->tid, th->comm, th->view);
		else
			printf("     %7d  %-16s not switched: %s\n", (int)th->tid,
			       th->comm, th->where);
	}
}

/* ---- hooks ---------------------------------------------------------------- */

/* A record's hooks and where each stands: "pre-apply f (returned 0)". */
static void print_hooks_text(int fd, struct ns_rec *r)
{
	struct ns_rec_hooks *h = ns_rec_hooks(r);
	char st[64];
	bool first = true;

	if (!h)
		return;
	printf("       hooks:");
	for (uint32_t k = 0; k < NS_HOOK_KINDS; k++) {
		if (!h->fn[k])
			continue;
		printf("%s %s %s (%s)", first ? "" : ",", ns_hook_kind_name(k + 1),
		       h->name[k], ns_hook_state(fd, r, k + 1, st, sizeof(st)));
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

static void print_text(int pid, int fd, const struct ns_registry *reg,
		       size_t threads, const struct threads *t)
{
	if (reg->n == 0) {
		printf("process %d: no patches applied (%zu threads)\n", pid, threads);
		return;
	}
	size_t applied = reg->n;
	for (size_t i = 0; i < reg->n; i++)
		applied -= reg->v[i].rec->state == NS_REC_PT_RETIRING;
	printf("process %d: %zu patch%s applied", pid, applied,
	       applied == 1 ? "" : "es");
	if (applied < reg->n)
		printf(", %zu retiring", reg->n - applied);
	if (t && t->pending)
		printf(" (%zu threads, %zu not switched yet)\n", threads, t->pending);
	else
		printf(" (%zu threads, all on the newest code)\n", threads);
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		char when[64];
		time_t tm = (time_t)r->applied_at;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 localtime(&tm));
		printf("  %llu. %s  [%s, since %s, code at 0x%llx]\n",
		       (unsigned long long)r->seq, r->name, state_text(r), when,
		       (unsigned long long)r->code_start);
		for (uint32_t f = 0; f < r->nfuncs; f++)
			printf("       %s  0x%llx -> 0x%llx\n", r->funcs[f].name,
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
		print_hooks_text(fd, reg->v[i].rec);
	}
	if (t)
		print_threads(t);
}

static void print_json_threads(const struct threads *t)
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
	printf(",\"generation\":%u,\"thread_list\":[", t->rt.blk.gen);
	for (size_t i = 0; i < t->n; i++) {
		const struct ns_rt_thread *th = &t->v[i];
		printf("%s{\"tid\":%d,\"name\":", i ? "," : "", (int)th->tid);
		ns_json_str(th->comm);
		printf(",\"runtime\":%s,\"registered\":%s,\"view\":%u,"
		       "\"switched\":%s,", th->runtime ? "true" : "false",
		       th->registered ? "true" : "false", th->view,
		       t->done[i] ? "true" : "false");
		/* How long after the last change of generation this thread
		 * took it up: its switch delay, if it has switched since. */
		if (th->view == t->rt.blk.gen && th->switched_ns >= t->rt.blk.gen_ns)
			printf("\"switch_delay_us\":%.1f,",
			       (th->switched_ns - t->rt.blk.gen_ns) / 1e3);
		printf("\"where\":");
		ns_json_str(th->where);
		printf("}");
	}
	printf("]");
}

static void print_json(int pid, int fd, const struct ns_registry *reg,
		       size_t threads, const struct threads *t)
{
	printf("{\"pid\":%d,\"mode\":\"%s\",\"threads\":%zu,", pid,
	       t ? "per-thread" : "stop-the-world", threads);
	print_json_threads(t);
	printf(",\"patches\":[");
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		printf("%s{\"name\":", i ? "," : "");
		ns_json_str(r->name);
		printf(",\"seq\":%llu,\"state\":\"%s\",\"mode\":\"%s\","
		       "\"applied_at\":%llu,\"functions\":[",
		       (unsigned long long)r->seq,
		       ns_rec_state_name(r->state),
		       r->mode == NS_MODE_PER_THREAD ? "per-thread" : "stop-the-world",
		       (unsigned long long)r->applied_at);
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
		print_hooks_json(fd, reg->v[i].rec);
		printf("}");
	}
	printf("]}\n");
}

int cmd_status(int argc, char **argv)
{
	struct ns_cli_opts o;
	struct ns_registry reg;
	struct threads t;
	int rc = ns_cli_parse("status", argc, argv, false, &o);
	int pid, fd;

	if (rc)
		return rc;
	if (o.help) {
		help();
		return NS_EXIT_OK;
	}
	if (o.nargs != 1)
		return ns_usage_error("status", "expects PID");
	pid = ns_parse_pid(o.args[0]);
	if (!pid)
		return ns_usage_error("status", "'%s' is not a process id",
				      o.args[0]);
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return ns_fail("status", "no process %d", pid);
	fd = ns_mem_open(pid);
	if (fd < 0)
		return ns_fail("status", "cannot read process %d: %s", pid,
			       strerror(errno));
	if (ns_registry_read(pid, fd, &reg) < 0) {
		close(fd);
		return ns_fail("status", "cannot read the registry of process "
			       "%d: %s", pid, strerror(errno));
	}
	bool pt = any_per_thread(&reg) && read_threads(pid, fd, &reg, &t) == 0;
	if (o.json)
		print_json(pid, fd, &reg, count_threads(pid), pt ? &t : NULL);
	else
		print_text(pid, fd, &reg, count_threads(pid), pt ? &t : NULL);
	close(fd);
	if (pt)
		free_threads(&t);
	ns_registry_free(&reg);
	return NS_EXIT_OK;
}
