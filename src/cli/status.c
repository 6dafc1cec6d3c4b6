/* status.c — `nonstop status`: what is applied to a process, read from the
 * records nonstop keeps inside it (checked as they are read:
 * registry/rec_check.h), printed by status_print.c. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/host.h"
#include "cli/opts.h"
#include "cli/status.h"
#include "link/target.h"
#include "proc/mem.h"
#include "proc/ptrace_why.h"
#include "registry/registry.h"
#include "runtime/rt.h"
#include "transition/perthread.h"
#include "util/guard.h"


static void help(void)
{
	printf("usage: nonstop status [--json] PID\n"
	       "       nonstop status --all-processes [--user USER] [--exclude PID]...\n"
	       "                      [--json]\n\n"
	       "Lists the patches applied to the running process PID, in the order\n"
	       "they were applied, with the functions each redirects, and which\n"
	       "threads still run old code. In stop-the-world mode every thread\n"
	       "switches at once, so none does once a patch is applied; in the\n"
	       "per-thread mode each thread is listed: switched, or not yet and\n"
	       "where it is (no thread is stopped to find out); in a program run\n"
	       "with NONSTOP_UPDATE_POINTS=waits, a thread asleep in poll, select\n"
	       "or epoll_wait is \"waiting in CALL (an update point)\" and switches\n"
	       "as the call returns. For a per-thread\n"
	       "patch being applied, where its dispatchers (the per-call choice\n"
	       "of version) stand: switching; every thread switched, and the next\n"
	       "apply or revert of the process (or apply --complete) retires them;\n"
	       "kept under a later patch's; or retired (--json: \"dispatchers\").\n"
	       "status itself changes nothing. For a patch with\n"
	       "hooks, where each hook stands: not run, running, or what it\n"
	       "returned (also after a nonstop that was killed).\n\n"
	       "A record in the process with a value out of range (not as nonstop\n"
	       "writes them) is listed as damaged, with why, and never acted on.\n"
	       "Names read from the process (patches, functions, threads) are\n"
	       "printed with control characters and bytes that are not UTF-8\n"
	       "escaped (\\e, \\n, \\xHH); --json prints them as JSON strings\n"
	       "(its \"applied_at\" is the number the record holds, which the text\n"
	       "shows as \"unknown time\" when it is no time).\n\n"
	       "With --all-processes (no PID): every process of this host with\n"
	       "nonstop in it (a patch's memory, or libnonstop), each as\n"
	       "'status PID' prints it; --json: one document, {\"processes\":\n"
	       "[...]}.\n\n"
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
			struct ns_status_threads *t)
{
	struct ns_target target;
	struct ns_err err = { 0 };
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (ns_target_open(&target, pid, &err) < 0)
		return -1;
	if (ns_rt_find(&target, fd, &t->rt, &err) == 1 &&
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

/* Where the dispatchers of each record of REG stand (status.h), from the
 * threads T (NULL: not read) and the entries of the process (FD): the
 * same look at the threads as apply's wait, and the same check of the
 * entries as the sweep that completes a patch (core/pt_sweep.h). NULL if
 * out of memory. */
static enum ns_status_disp *dispatchers(int fd, const struct ns_registry *reg,
					const struct ns_status_threads *t)
{
	enum ns_status_disp *d = calloc(reg->n ? reg->n : 1, sizeof(*d));

	for (size_t r = 0; d && r < reg->n; r++) {
		const struct ns_rec *rec = reg->v[r].rec;
		bool all = t != NULL;
		char why[256];

		if (rec->mode != NS_MODE_PER_THREAD ||
		    rec->state != NS_REC_APPLIED)
			continue;
		if (rec->pt.bypassed) {
			d[r] = NS_DISP_RETIRED;
			continue;
		}
		for (size_t i = 0; all && i < t->n; i++)
			all = t->v[i].runtime ||
			      ns_pt_thread_done(&t->v[i], rec, why, sizeof(why));
		d[r] = !all ? NS_DISP_SWITCHING :
		       ns_pt_completable(fd, rec) ? NS_DISP_TO_RETIRE :
		       NS_DISP_UNDER_LATER;
	}
	return d;
}

static void free_threads(struct ns_status_threads *t)
{
	free(t->v);
	free(t->done);
	free(t->why);
}

/* Prints the status of PID (text, or JSON with JSON). 0, or -1 with why in
 * ERR (nothing printed). */
int ns_status_pid(int pid, bool json, char *err, size_t errlen)
{
	struct ns_registry reg;
	struct ns_status_threads t;
	struct ns_status out;
	int fd;

	fd = ns_mem_open(pid);
	if (fd < 0) {
		int e = errno;
		char why[256];

		ns_ptrace_why(pid, e, why, sizeof(why));
		snprintf(err, errlen, "cannot read process %d: %s%s", pid,
			 strerror(e), why);
		return -1;
	}
	if (ns_registry_read(pid, fd, &reg) < 0) {
		snprintf(err, errlen, "cannot read the registry of process "
			 "%d: %s", pid, strerror(errno));
		close(fd);
		return -1;
	}
	bool any = any_per_thread(&reg);
	bool pt = any && read_threads(pid, fd, &reg, &t) == 0;
	enum ns_status_disp *disp = any ? dispatchers(fd, &reg, pt ? &t : NULL)
					: NULL;
	out = (struct ns_status){ .pid = pid, .mem_fd = fd, .reg = &reg,
				  .threads = count_threads(pid),
				  .t = pt ? &t : NULL, .disp = disp };
	if (json)
		ns_status_json(&out);
	else
		ns_status_text(&out);
	free(disp);
	close(fd);
	if (pt)
		free_threads(&t);
	ns_registry_free(&reg);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct ns_cli_opts o;
	char err[512];
	int rc = ns_cli_parse("status", argc, argv, false, &o);
	int pid;

	if (rc)
		return rc;
	if (o.help) {
		help();
		return NS_EXIT_OK;
	}
	if (o.all_processes) {
		if (o.nargs)
			return ns_usage_error("status", "--all-processes takes "
					      "no PID");
		ns_guard_target_command("status", NS_STATUS_TIMEOUT);
		return ns_cli_run_host(ns_host_status, &o);
	}
	if (o.nargs != 1)
		return ns_usage_error("status", "expects PID");
	pid = ns_parse_pid(o.args[0]);
	if (!pid)
		return ns_usage_error("status", "'%s' is not a process id",
				      o.args[0]);
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return ns_fail("status", "no process %d", pid);
	ns_guard_target_command("status", NS_STATUS_TIMEOUT);
	if (ns_status_pid(pid, o.json, err, sizeof(err)) < 0)
		return ns_fail("status", "%s", err);
	if (o.json)
		ns_json_doc_printed();
	return NS_EXIT_OK;
}
