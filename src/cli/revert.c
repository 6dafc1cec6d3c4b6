/* revert.c — `nonstop revert`: argument parsing and output. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/core.h"

static void help(void)
{
	printf("usage: nonstop revert [--timeout SEC] [--json] [-v] PID [NAME]\n\n"
	       "Undoes the patch NAME (default: the last one applied) in the\n"
	       "running process PID: the old functions get their own code back\n"
	       "and the patch's memory is released, at a moment when no thread is\n"
	       "running the patch's code. A patch whose functions a later patch\n"
	       "also replaces must wait until that one is reverted.\n\n"
	       "  --timeout SEC  how long to wait for a safe moment (default 5)\n"
	       "  --json         print the result as one JSON object\n"
	       "  -v             say what is done\n\n"
	       "exit: 0 reverted; 1 refused or failed (process unchanged);\n"
	       "2 usage error\n");
}

int cmd_revert(int argc, char **argv)
{
	struct ns_cli_opts o;
	struct ns_op_opts op;
	struct ns_op_result res;
	int rc = ns_cli_parse("revert", argc, argv, true, &o);

	if (rc)
		return rc;
	if (o.help) {
		help();
		return NS_EXIT_OK;
	}
	if (o.nargs < 1 || o.nargs > 2)
		return ns_usage_error("revert", "expects PID and optionally NAME");
	rc = ns_cli_op_setup("revert", &o, &op);
	if (rc)
		return rc;
	if (ns_revert(&op, o.nargs == 2 ? o.args[1] : NULL, &res) != 0) {
		return ns_cli_op_failed("revert", &o, op.pid, res.err);
	}
	if (o.json) {
		printf("{\"ok\":true,\"patch\":");
		ns_json_str(res.name);
		printf(",\"pid\":%d,"
		       "\"mode\":\"stop-the-world\",\"functions\":%zu,"
		       "\"threads\":%zu,\"pause_us\":%.1f,\"attempts\":%u}\n",
		       op.pid, res.nfuncs, res.threads,
		       res.pause_ns / 1e3, res.attempts);
		return NS_EXIT_OK;
	}
	printf("reverted patch '%s' in process %d: %zu function%s restored\n",
	       res.name, op.pid, res.nfuncs, res.nfuncs == 1 ? "" : "s");
	ns_cli_print_pause(&o, &res);
	return NS_EXIT_OK;
}
