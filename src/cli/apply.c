/* apply.c — `nonstop apply`: argument parsing and output (what comes from
 * the patch or the target escaped: util/escape.h). */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/host.h"
#include "cli/opts.h"
#include "core/core.h"

static void help(void)
{
	printf("usage: nonstop apply [--mode stop|per-thread] [--leave-pending]\n"
	       "                     [--replace] [--timeout SEC] [--json] [-v] PID PATCH\n"
	       "       nonstop apply --complete [--timeout SEC] [--json] PID\n"
	       "       nonstop apply --all-processes [--jobs N] [--user USER]\n"
	       "                     [--exclude PID]... [--timeout SEC] [--json] PATCH\n\n"
	       "Applies PATCH (made by 'nonstop build') to the running process PID\n"
	       "without restarting it. The patch is checked against the process\n"
	       "first (build-id and the bytes of every function it replaces);\n"
	       "then its code is mapped beside the old code, and the threads are\n"
	       "switched to it, in one of two modes:\n\n"
	       "per-thread (the default when PID runs libnonstop): no running\n"
	       "thread of the program is stopped. Each thread moves to the new code\n"
	       "by itself at its next update point (nonstop_update_point()); until\n"
	       "then it runs the old code, never a mix. A thread asleep in a\n"
	       "system call that passes none is switched by nonstop while it\n"
	       "sleeps, if none of the replaced functions is on its stack (held a\n"
	       "moment, never while it runs; the guarantee of stop-the-world).\n"
	       "apply returns when every thread has switched. A thread that does\n"
	       "not switch within the timeout is named, and the patch withdrawn (or, with\n"
	       "--leave-pending, left pending). With NONSTOP_UPDATE_POINTS=waits in\n"
	       "the program's environment, every call of poll, ppoll, select,\n"
	       "pselect, epoll_wait, epoll_pwait, epoll_pwait2 is an update point\n"
	       "too, and a thread asleep in one counts as switched: it switches as\n"
	       "the call returns. Once every thread has switched,\n"
	       "the dispatchers that chose each thread's version are retired:\n"
	       "the old entries jump straight to the new code. For a transition\n"
	       "left pending, the next apply or revert of the process does that\n"
	       "once every thread has switched (nonstop status says when), or\n"
	       "apply --complete, which waits for them.\n\n"
	       "stop-the-world (any other process): every thread is stopped for a\n"
	       "moment while no thread is running, or will return into, a replaced\n"
	       "function (checked by unwinding every stack with DWARF CFI); the old\n"
	       "entries then jump to the new code. If a replaced function is busy,\n"
	       "the threads resume at once and nonstop retries until the timeout,\n"
	       "then refuses, naming the thread and the function. The pause of the\n"
	       "threads is measured and printed.\n\n"
	       "When the process has libgcc's unwinder loaded, the patch's frames\n"
	       "are registered with it first, so that the program's own\n"
	       "backtrace() walks through new code (-v says whether they were).\n\n"
	       "A patch with state transformers (NONSTOP_TRANSFORM) brings new\n"
	       "copies of the variables whose type changed: their transformers run\n"
	       "inside the process during the stop-the-world pause, on one of the\n"
	       "stopped threads, right before the switch (the per-thread mode and\n"
	       "--replace refuse such a patch).\n\n"
	       "A patch's hooks (nonstop show lists them) run in a thread of the\n"
	       "process while the others run: the pre-apply hook before the switch\n"
	       "(non-zero: refused, nothing left), the post-apply hook after every\n"
	       "thread has switched (non-zero: the patch is rolled back and its\n"
	       "post-revert hook runs; exit 1). Per-thread, they run in\n"
	       "libnonstop's own thread. A patch with hooks cannot be applied with\n"
	       "--replace or --leave-pending.\n\n"
	       "One nonstop works on a process at a time (a lock on the process,\n"
	       "under /run/nonstop for root): a second apply or revert of it is\n"
	       "refused at once, naming the nonstop that holds it.\n\n"
	       "PATCH must be a regular file (not a symlink, FIFO or device) of at\n"
	       "most 64 MiB; its seal, the SHA-256 of its content (build --help), is\n"
	       "checked before anything else is read: a damaged file is refused.\n\n"
	       "Signed patches: when the keys directory ($NONSTOP_KEYS_DIR, default\n"
	       "/etc/nonstop/keys.d) holds at least one Ed25519 public key, as a\n"
	       "*.pem file (openssl pkey -in KEY.pem -pubout -out DIR/NAME.pem), only\n"
	       "patches signed by one of them (build --sign KEY.pem) are applied: an\n"
	       "unsigned patch, or one signed by another key, is refused. With no\n"
	       "key there, unsigned patches are applied too. A patch whose signature\n"
	       "does not verify is always refused. The directory and its key files\n"
	       "must not be symlinks, must be owned by root or by you and writable\n"
	       "by their owner only: otherwise every patch is refused until that is\n"
	       "fixed. nonstop show PATCH says who signed it and whether this host\n"
	       "trusts the key.\n\n"
	       "  --mode MODE    stop or per-thread, instead of choosing by whether\n"
	       "                 the process runs libnonstop\n"
	       "  --leave-pending  per-thread: when the timeout expires before\n"
	       "                 every thread switched, leave the transition\n"
	       "                 pending (exit 0) instead of withdrawing the patch\n"
	       "  --complete     no PATCH: complete the transitions left pending\n"
	       "                 in PID: wait until every thread has switched (up\n"
	       "                 to --timeout), then retire the dispatchers. Exit\n"
	       "                 1 naming a thread that did not switch in time\n"
	       "                 (nothing is retired: they stay pending); exit 0\n"
	       "                 also when none was pending\n"
	       "  --replace      PATCH is cumulative (built against the original\n"
	       "                 binary): it replaces every patch applied to that\n"
	       "                 program in the same switch; functions only they\n"
	       "                 changed get their original code back, and their\n"
	       "                 memory is released. Reverting PATCH later gives\n"
	       "                 back the original program\n"
	       "  --all-processes  no PID: every process of this host that maps\n"
	       "                 the module PATCH is for (matched by build-id, in\n"
	       "                 containers too), each as 'apply PID PATCH', in\n"
	       "                 parallel; one line each (applied, already\n"
	       "                 applied, skipped: another version or not\n"
	       "                 permitted, exited meanwhile, refused: why) and a\n"
	       "                 summary. Exit 0 when every matching process took\n"
	       "                 it; what was applied stays applied. Processes\n"
	       "                 started later run the unpatched files: run it\n"
	       "                 again when they start\n"
	       "  --jobs N       with --all-processes: N at once (default: one per\n"
	       "                 CPU)\n"
	       "  --user USER    with --all-processes: only USER's processes\n"
	       "  --exclude PID  with --all-processes: not PID (repeatable)\n"
	       "  --timeout SEC  how long to wait for a safe moment, or for every\n"
	       "                 thread's update point (default 5)\n"
	       "  --json         print the result as one JSON object\n"
	       "  -v             say what is done\n\n"
	       "exit: 0 applied (--complete: completed, or nothing pending); 1\n"
	       "refused or failed (the process is left exactly as it was); 2 usage\n"
	       "error\n");
}

/* apply --complete PID: what it completed. */
static int complete(const struct ns_cli_opts *o, const struct ns_op_opts *op)
{
	struct ns_op_result res;
	char name[NS_ESC_SIZE(NS_NAME_MAX)];

	if (ns_apply_complete(op, &res) != 0) {
		ns_op_result_free(&res);
		return ns_cli_op_failed("apply", o, op->pid, ns_err_msg(&res.err));
	}
	if (o->json) {
		printf("{\"ok\":true,\"pid\":%d,\"mode\":\"per-thread\","
		       "\"completed\":[", op->pid);
		for (size_t i = 0; i < res.ncompleted; i++) {
			printf("%s", i ? "," : "");
			ns_json_str(res.completed[i]);
		}
		printf("]}\n");
	} else if (!res.ncompleted) {
		printf("process %d: no per-thread transition is pending: nothing "
		       "to complete\n", op->pid);
	} else {
		printf("completed patch%s ", res.ncompleted == 1 ? "" : "es");
		for (size_t i = 0; i < res.ncompleted; i++)
			printf("%s'%s'", i ? ", " : "",
			       ns_esc(res.completed[i], name, sizeof(name)));
		printf(" in process %d: every thread has switched; the "
		       "dispatchers are retired\n", op->pid);
	}
	ns_op_result_free(&res);
	return NS_EXIT_OK;
}

static void print_json(const struct ns_cli_opts *o, int pid,
		       const struct ns_op_result *res)
{
	printf("{\"ok\":true,\"patch\":");
	ns_json_str(res->name);
	printf(",\"pid\":%d,", pid);
	ns_cli_json_switch(res);
	printf(",\"functions\":%zu,"
	       "\"threads\":%zu,\"pause_us\":%.1f,\"max_pause_us\":%.1f,"
	       "\"attempts\":%u,\"load_stop_us\":%.1f,\"load_stop_tid\":%d,"
	       "\"address\":\"0x%llx\",\"size\":%llu",
	       res->nfuncs, res->threads,
	       res->pause_ns / 1e3, res->max_pause_ns / 1e3, res->attempts,
	       res->load_stop_ns / 1e3, (int)res->load_stop_tid,
	       (unsigned long long)res->base,
	       (unsigned long long)res->size);
	if (o->replace) {
		printf(",\"replaced\":[");
		for (size_t i = 0; i < res->nreplaced; i++) {
			printf("%s", i ? "," : "");
			ns_json_str(res->replaced[i]);
		}
		printf("],\"restored\":%zu", res->nrestored);
	}
	ns_cli_json_end(res);
}

/* "replaced patches 'A', 'B' (1 function back to its original code)". */
static void print_replaced(int pid, const struct ns_op_result *res)
{
	if (!res->nreplaced) {
		printf("no patch was applied to process %d: none replaced\n", pid);
		return;
	}
	printf("replaced patch%s ", res->nreplaced == 1 ? "" : "es");
	for (size_t i = 0; i < res->nreplaced; i++) {
		char name[NS_ESC_SIZE(NS_NAME_MAX)];

		printf("%s'%s'", i ? ", " : "",
		       ns_esc(res->replaced[i], name, sizeof(name)));
	}
	printf(" (%zu function%s back to the original code)\n", res->nrestored,
	       res->nrestored == 1 ? "" : "s");
}

int cmd_apply(int argc, char **argv)
{
	struct ns_cli_opts o;
	struct ns_op_opts op;
	struct ns_op_result res;
	char name[NS_ESC_SIZE(NS_NAME_MAX)];
	char note[NS_ESC_SIZE(sizeof(res.frames_note))];
	int rc = ns_cli_parse("apply", argc, argv, true, &o);

	if (rc)
		return rc;
	if (o.help) {
		help();
		return NS_EXIT_OK;
	}
	if (o.all_processes)
		return ns_cli_run_host(ns_host_apply, &o);
	if (o.complete) {
		if (o.nargs != 1)
			return ns_usage_error("apply", "--complete expects PID "
					      "alone");
		if (o.replace || o.leave_pending || o.mode || o.verbose)
			return ns_usage_error("apply", "--complete takes only "
					      "--timeout and --json");
		rc = ns_cli_op_setup("apply", &o, &op);
		return rc ? rc : complete(&o, &op);
	}
	if (o.nargs != 2)
		return ns_usage_error("apply", "expects PID and PATCH");
	rc = ns_cli_op_setup("apply", &o, &op);
	if (rc)
		return rc;
	if (ns_apply(&op, o.args[1], &res) != 0) {
		ns_op_result_free(&res);
		return ns_cli_op_failed("apply", &o, op.pid, ns_err_msg(&res.err));
	}
	/* Applied, but something after the switch did not work out (the
	 * memory of a replaced patch not released): said, not failed. */
	ns_cli_warn("apply", &res);
	if (o.json) {
		print_json(&o, op.pid, &res);
		ns_op_result_free(&res);
		return NS_EXIT_OK;
	}
	printf("applied patch '%s' to process %d: %zu function%s redirected "
	       "(%s mode)\n", ns_esc(res.name, name, sizeof(name)), op.pid, res.nfuncs,
	       res.nfuncs == 1 ? "" : "s", ns_cli_mode_name(&res));
	if (o.replace)
		print_replaced(op.pid, &res);
	if (res.nxforms)
		printf("%zu variable%s moved into the patch by its state transformers\n",
		       res.nxforms, res.nxforms == 1 ? "" : "s");
	ns_cli_print_switch(&o, &res, "to the new code");
	ns_cli_print_hooks(&res);
	if (o.verbose)
		printf("patch mapped at 0x%llx (%llu bytes)\n",
		       (unsigned long long)res.base, (unsigned long long)res.size);
	if (o.verbose && res.frames_note[0])
		printf("%s\n", ns_esc(res.frames_note, note, sizeof(note)));
	ns_op_result_free(&res);
	return NS_EXIT_OK;
}
