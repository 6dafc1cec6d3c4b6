/* revert.c — `nonstop revert`: argument parsing and output (what comes
 * from the target escaped: util/escape.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/host.h"
#include "cli/opts.h"
#include "core/core.h"

static void help(void)
{
	printf("usage: nonstop revert [--timeout SEC] [--json] [-v] PID [NAME]\n"
	       "       nonstop revert --all [--timeout SEC] [--json] [-v] PID\n"
	       "       nonstop revert --all-processes [--jobs N] [--user USER]\n"
	       "                      [--exclude PID]... [--timeout SEC] [--json] [NAME]\n\n"
	       "Undoes the patch NAME (default: the last one applied) in the\n"
	       "running process PID: the old functions get their own code back\n"
	       "and the patch's memory is released, at a moment when no thread is\n"
	       "running the patch's code. A patch whose functions a later patch\n"
	       "also replaces must wait until that one is reverted. A patch\n"
	       "applied per thread is reverted the same way back: each thread\n"
	       "returns to the old code at its next update point, and the memory\n"
	       "is released once no thread can be in it (until then the patch is\n"
	       "'retiring', and a later apply or revert releases it). A patch\n"
	       "that transformed data (NONSTOP_TRANSFORM) runs its untransformers\n"
	       "in the same pause, before the switch back, to put the state into\n"
	       "the old variables; without NONSTOP_UNTRANSFORM it is refused.\n\n"
	       "A patch's hooks run in a thread of the process while the others\n"
	       "run: the pre-revert hook before the switch back (non-zero: the\n"
	       "revert is refused, the patch stays applied), the post-revert hook\n"
	       "after it (non-zero: a warning, the revert stands). Per-thread,\n"
	       "they run in libnonstop's own thread.\n\n"
	       "One nonstop works on a process at a time (see apply --help): a\n"
	       "revert while another nonstop works on PID is refused at once.\n\n"
	       "  --all          revert every patch, newest first; stops at the\n"
	       "                 first that cannot be (the rest stay applied)\n"
	       "  --all-processes  no PID: every process of this host with\n"
	       "                 nonstop in it (a patch's memory, or libnonstop):\n"
	       "                 NAME (default: each one's last patch) reverted\n"
	       "                 wherever it is applied, in parallel; one line\n"
	       "                 each and a summary. Exit 0 when each process that\n"
	       "                 had it is reverted\n"
	       "  --jobs N, --user USER, --exclude PID  as apply --all-processes\n"
	       "  --timeout SEC  how long to wait for a safe moment (default 5)\n"
	       "  --json         print the result as one JSON object (with --all:\n"
	       "                 one document, each patch reverted in \"reverted\")\n"
	       "  -v             say what is done\n\n"
	       "exit: 0 reverted; 1 refused or failed (process unchanged);\n"
	       "2 usage error\n");
}

struct report {
	const struct ns_cli_opts *o;
	int pid;
	int count;
};

/* Prints one reverted patch: a JSON object on its own line, or text. */
static void report(const struct ns_op_result *res, void *arg)
{
	struct report *r = arg;
	char name[NS_ESC_SIZE(NS_NAME_MAX)];

	r->count++;
	/* Reverted, but a post-revert hook failed: said, not failed. */
	ns_cli_warn("revert", res);
	if (r->o->json) {
		/* With --all, each patch is an element of "reverted" in the
		 * one document (all_end closes it). */
		if (r->o->all && r->count == 1) {
			printf("{\"pid\":%d,\"reverted\":[", r->pid);
			ns_json_doc_open_array();
		} else if (r->o->all) {
			printf(",");
		}
		printf("{\"ok\":true,\"patch\":");
		ns_json_str(res->name);
		printf(",\"pid\":%d,", r->pid);
		ns_cli_json_switch(res);
		printf(",\"functions\":%zu,"
		       "\"threads\":%zu,\"pause_us\":%.1f,\"attempts\":%u",
		       res->nfuncs, res->threads,
		       res->pause_ns / 1e3, res->attempts);
		ns_cli_json_end(res);
		return;
	}
	printf("reverted patch '%s' in process %d: %zu function%s restored "
	       "(%s mode)\n", ns_esc(res->name, name, sizeof(name)), r->pid,
	       res->nfuncs,
	       res->nfuncs == 1 ? "" : "s", ns_cli_mode_name(res));
	if (res->nxforms)
		printf("state put back into %zu variable%s by the patch's "
		       "untransformers\n", res->nxforms, res->nxforms == 1 ? "" : "s");
	ns_cli_print_switch(r->o, res, "back to the old code");
	ns_cli_print_hooks(res);
}

/* Ends the document of revert --all --json: the patches reverted, then
 * "ok", and ERR if one could not be (those before it stay reverted). */
static void all_end(const struct report *r, const char *err)
{
	if (!r->count)
		printf("{\"pid\":%d,\"reverted\":[", r->pid);
	printf("],\"ok\":%s", err ? "false" : "true");
	if (err) {
		printf(",\"error\":");
		ns_json_str(err);
	}
	printf("}\n");
	ns_json_doc_end();
}

int cmd_revert(int argc, char **argv)
{
	struct ns_cli_opts o;
	struct ns_op_opts op;
	struct ns_op_result res;
	struct report r = { .o = &o };
	int rc = ns_cli_parse("revert", argc, argv, true, &o);

	if (rc)
		return rc;
	if (o.help) {
		help();
		return NS_EXIT_OK;
	}
	if (o.all_processes)
		return ns_cli_run_host(ns_host_revert, &o);
	if (o.nargs < 1 || o.nargs > 2 || (o.all && o.nargs != 1))
		return ns_usage_error("revert", "expects PID and optionally NAME, "
				      "or --all and PID");
	rc = ns_cli_op_setup("revert", &o, &op);
	if (rc)
		return rc;
	r.pid = op.pid;
	if (o.all) {
		bool ok = ns_revert_all(&op, report, &r, &res) == 0;

		if (o.json)
			all_end(&r, ok ? NULL : ns_err_msg(&res.err));
		if (!ok)
			return ns_cli_op_failed("revert", &o, op.pid, ns_err_msg(&res.err));
		if (r.count == 0 && !o.json)
			printf("process %d: no patches applied\n", op.pid);
		return NS_EXIT_OK;
	}
	if (ns_revert(&op, o.nargs == 2 ? o.args[1] : NULL, &res) != 0)
		return ns_cli_op_failed("revert", &o, op.pid, ns_err_msg(&res.err));
	report(&res, &r);
	return NS_EXIT_OK;
}
