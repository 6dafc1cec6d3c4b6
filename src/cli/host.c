/* host.c — `apply --all-processes` and `revert --all-processes` (host.h).
 *
 * The parent finds the processes (host/scan.h), reads and checks the
 * patch once, then runs one child per process (host/jobs.h): each calls
 * the same ns_apply or ns_revert as the one-process command, under the
 * same deadline, and sends back a fixed record. The parent alone prints,
 * in the order of the processes, once every child is done: one line each
 * and a summary, or one JSON document. What a child found is told apart
 * by the operation's own classification (ns_op_result.why), never by
 * parsing its message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/host.h"
#include "link/modcache.h"
#include "cli/host_out.h"
#include "core/core.h"
#include "host/jobs.h"
#include "host/scan.h"
#include "patch/patch.h"
#include "patch/patch_trust.h"
#include "proc/mem.h"
#include "proc/pidstat.h"
#include "registry/registry.h"
#include "util/clock.h"
#include "util/fault.h"
#include "util/guard.h"
#include "util/sched.h"

/* A job's own deadline (its alarm, util/guard.h) ends it first; the
 * parent stops one that outlives it by this much (a wait the alarm does
 * not interrupt). */
#define JOB_GRACE_S 10

struct host_run {
	const struct ns_cli_opts *o;
	bool apply;
	struct ns_patch patch;        /* apply: the patch, checked */
	void  *patch_data;            /* its file's bytes, which each job
					 loads again (ns_apply_loaded uses
					 its patch up) */
	size_t patch_len;
	const char *name;             /* revert: NAME or NULL */
	struct ns_host_list procs;
	struct ns_host_out *out;      /* one per process */
	size_t *idx;                  /* job -> process (not the processes of
					 another version: not jobs) */
};

/* Whether PID is gone (no /proc/PID), or a zombie: it runs nothing any
 * more (proc/pidstat.h). Anything not understood is "not gone": a
 * process cannot make its refusal pass for an exit. */
static bool gone(pid_t pid)
{
	struct ns_pidstat st;

	if (ns_pidstat_read(pid, 0, &st) < 0)
		return errno == ENOENT || errno == ESRCH;
	return st.state == 'Z' || st.state == 'X';
}

/* revert: whether PID has NAME (NULL: any patch) applied, read without
 * its lock, as status reads it: a process that has not is not-applied
 * whoever else works on it. 1 has, 0 has not, -1 cannot tell (the revert
 * itself says why). */
static int has_patch(pid_t pid, const char *name)
{
	struct ns_registry reg;
	int fd = ns_mem_open(pid), rc = -1;

	if (fd < 0)
		return -1;
	if (ns_registry_read(pid, fd, &reg) == 0) {
		rc = name ? ns_registry_find(&reg, name) != NULL : reg.n > 0;
		ns_registry_free(&reg);
	}
	close(fd);
	return rc;
}

/* In the child: one process. */
static void run_one(size_t i, void *recp, void *arg)
{
	struct host_run *h = arg;
	struct ns_host_rec *rec = recp;
	struct ns_op_opts op = { 0 };
	struct ns_op_result res;
	unsigned reads = ns_modcache_reads();
	int rc;

	rec->job = (uint32_t)i;
	/* This job's worker reads each module file once, whichever processes
	 * map it (link/modcache.h). */
	ns_modcache_enable();
	ns_sched_never_raise();   /* util/sched.h: throughput, here */
	op.pid = h->procs.v[h->idx[i]].pid;
	if (ns_host_start_time(op.pid) != h->procs.v[h->idx[i]].start) {
		/* The process scanned is gone; its PID may name another now,
		 * which --user, --exclude and the scan never judged. */
		rec->outcome = NS_OUT_EXITED;
		rec->rc = 1;
		return;
	}
	op.timeout = h->o->timeout;
	op.mode = h->o->mode;
	ns_fault_restart();
	/* A job that misses its deadline ends its worker, not the command:
	 * stdout is the parent's document (cli/json_doc.h), never the job's. */
	ns_guard_last_words(NULL);
	ns_guard_target_command(h->apply ? "apply" : "revert", op.timeout);
	if (h->apply) {
		struct ns_patch p;

		memset(&res, 0, sizeof(res));
		rc = ns_patch_load_mem(h->o->args[0], h->patch_data, h->patch_len,
				       &p, &res.err) < 0 ? 1 :
		     ns_apply_loaded(&op, &p, &res);
	} else if (has_patch(op.pid, h->name) == 0) {
		memset(&res, 0, sizeof(res));
		rc = 1;
		res.why = NS_WHY_NOT_APPLIED;
		if (h->name)
			ns_err_set(&res.err, "no patch named '%s' is applied to "
				   "process %d", h->name, (int)op.pid);
		else
			ns_err_set(&res.err, "no patch is applied to process %d",
				   (int)op.pid);
	} else {
		rc = ns_revert(&op, h->name, &res);
	}
	alarm(0);   /* the deadline was this job's */
	ns_host_rec_fill(rec, rc, &res, rc && gone(op.pid));
	rec->module_reads = ns_modcache_reads() - reads;
	ns_op_result_free(&res);
}

static void job_done(size_t i, const void *rec, void *arg)
{
	struct host_run *h = arg;

	struct ns_host_out *out = &h->out[h->idx[i]];

	memcpy(&out->rec, rec, sizeof(out->rec));
	/* From a child that may have died half-way: its strings ended. */
	out->rec.name[sizeof(out->rec.name) - 1] = 0;
	out->rec.msg[sizeof(out->rec.msg) - 1] = 0;
	out->have = true;
}

static void job_died(size_t i, int status, void *arg)
{
	struct host_run *h = arg;
	struct ns_host_out *out = &h->out[h->idx[i]];
	struct ns_host_rec *rec = &out->rec;

	out->have = true;
	rec->rc = 1;
	rec->outcome = gone(out->proc->pid) ? NS_OUT_EXITED : NS_OUT_FAILED;
	if (status == NS_JOB_LATE)
		snprintf(rec->msg, sizeof(rec->msg), "not done within %u s: its "
			 "job was stopped (the process is left as a killed nonstop "
			 "leaves it: whole, old code or new; the next nonstop "
			 "command cleans up)", ns_guard_deadline(h->o->timeout) +
			 JOB_GRACE_S);
	else if (status < 0)
		snprintf(rec->msg, sizeof(rec->msg), "could not start a job for it");
	else if (WIFSIGNALED(status))
		snprintf(rec->msg, sizeof(rec->msg), "the job for it was killed "
			 "by signal %d", WTERMSIG(status));
	else
		snprintf(rec->msg, sizeof(rec->msg), "the job for it ended "
			 "without a result (exit %d): not done within the "
			 "deadline, or the process left as a killed nonstop "
			 "leaves it", WEXITSTATUS(status));
}

static unsigned jobs_wanted(const struct ns_cli_opts *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (o->jobs)
		return o->jobs;
	return n > 0 && n < 1024 ? (unsigned)n : 1;
}

/* Runs the jobs of H over its processes; the records in H->out. */
static int run_all(struct host_run *h)
{
	struct ns_jobs j = {
		.parallel = jobs_wanted(h->o),
		.rec_size = sizeof(struct ns_host_rec), .arg = h,
		.deadline_s = ns_guard_deadline(h->o->timeout) + JOB_GRACE_S,
		.run = run_one, .done = job_done, .died = job_died,
	};
	size_t n = h->procs.n ? h->procs.n : 1;

	h->out = calloc(n, sizeof(*h->out));
	h->idx = calloc(n, sizeof(*h->idx));
	if (!h->out || !h->idx)
		return -1;
	for (size_t i = 0; i < h->procs.n; i++) {
		h->out[i].proc = &h->procs.v[i];
		if (h->procs.v[i].kind == NS_HOST_OTHER) {
			/* not a job: another version of the module */
			h->out[i].have = true;
			h->out[i].rec.outcome = NS_OUT_OTHER;
			continue;
		}
		h->idx[j.n++] = i;
	}
	/* Each worker finds the places of what it borrows in the files the
	 * processes share once, in its first job (proc/gadgets.h): the rest
	 * only check them. */
	return ns_jobs_run(&j);
}

static void filter_of(const struct ns_cli_opts *o, struct ns_host_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->by_uid = o->by_user;
	f->uid = (uid_t)o->uid;
	f->exclude = o->exclude;
	f->nexclude = o->nexclude;
}

int ns_host_apply(const struct ns_cli_opts *o)
{
	struct host_run h = { .o = o, .apply = true };
	struct ns_host_filter f;
	struct ns_err err = { 0 };
	uint64_t t0 = ns_clock_ns();
	int rc;

	if (o->nargs != 1)
		return ns_usage_error("apply", "--all-processes expects PATCH "
				      "alone (no PID)");
	if (o->complete || o->replace || o->leave_pending)
		return ns_usage_error("apply", "--all-processes does not go with "
				      "--complete, --replace or --leave-pending");
	if (ns_patch_read_file(o->args[0], &h.patch_data, &h.patch_len, &err) < 0)
		return ns_host_fail(o, "apply", ns_err_msg(&err));
	if (ns_patch_load_mem(o->args[0], h.patch_data, h.patch_len, &h.patch,
			      &err) < 0 || ns_trust_check(&h.patch, &err) < 0) {
		free(h.patch_data);
		ns_patch_free(&h.patch);
		return ns_host_fail(o, "apply", ns_err_msg(&err));
	}
	if (!h.patch.build_id_len) {
		ns_patch_free(&h.patch);
		free(h.patch_data);
		return ns_host_fail(o, "apply", "the patch records no build-id of "
				    "its module: which processes run it cannot be "
				    "told");
	}
	filter_of(o, &f);
	f.build_id = h.patch.build_id;
	f.build_id_len = h.patch.build_id_len;
	f.name = h.patch.binary;
	if (ns_host_scan(&f, &h.procs, &err) < 0) {
		ns_patch_free(&h.patch);
		free(h.patch_data);
		return ns_host_fail(o, "apply", ns_err_msg(&err));
	}
	rc = run_all(&h) < 0 ? ns_host_fail(o, "apply", "cannot run the jobs")
			     : ns_host_print(o, "apply", &h.patch, NULL, h.out,
					     h.procs.n, h.procs.unreadable,
					     jobs_wanted(o), ns_clock_ns() - t0);
	free(h.out);
	free(h.idx);
	ns_host_list_free(&h.procs);
	ns_patch_free(&h.patch);
	free(h.patch_data);
	return rc;
}

int ns_host_revert(const struct ns_cli_opts *o)
{
	struct host_run h = { .o = o, .apply = false };
	struct ns_host_filter f;
	struct ns_err err = { 0 };
	uint64_t t0 = ns_clock_ns();
	int rc;

	if (o->nargs > 1 || o->all)
		return ns_usage_error("revert", "--all-processes expects at most "
				      "NAME (no PID, no --all)");
	h.name = o->nargs ? o->args[0] : NULL;
	filter_of(o, &f);
	if (ns_host_scan(&f, &h.procs, &err) < 0)
		return ns_host_fail(o, "revert", ns_err_msg(&err));
	rc = run_all(&h) < 0 ? ns_host_fail(o, "revert", "cannot run the jobs")
			     : ns_host_print(o, "revert", NULL, h.name, h.out,
					     h.procs.n, h.procs.unreadable,
					     jobs_wanted(o), ns_clock_ns() - t0);
	free(h.out);
	free(h.idx);
	ns_host_list_free(&h.procs);
	return rc;
}
