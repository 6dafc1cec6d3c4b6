/* apply.c — `nonstop apply`: argument parsing and output. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/core.h"

static void help(void)
{
	printf("usage: nonstop apply [--timeout SEC] [--json] [-v] PID PATCH\n\n"
	       "Applies PATCH (made by 'nonstop build') to the running process PID\n"
	       "without restarting it. The patch is checked against the process\n"
	       "first (build-id and the bytes of every function it replaces);\n"
	       "then its code is mapped beside the old code, and every thread is\n"
	       "stopped for a moment while no thread is running, or will return\n"
	       "into, a replaced function (checked by unwinding every stack with\n"
	       "DWARF CFI); the old entries then jump to the new code. If a\n"
	       "replaced function is busy, the threads resume at once and nonstop\n"
	       "retries until the timeout, then refuses, naming the thread and\n"
	       "the function. The pause of the threads is measured and printed.\n"
	       "When the process has libgcc's unwinder loaded, the patch's frames\n"
	       "are registered with it first, so that the program's own\n"
	       "backtrace() walks through new code (-v says whether they were).\n\n"
	       "  --timeout SEC  how long to wait for a safe moment (default 5)\n"
	       "  --json         print the result as one JSON object\n"
	       "  -v             say what is done\n\n"
	       "exit: 0 applied; 1 refused or failed (the process is left exactly\n"
	       "as it was); 2 usage error\n");
}

int cmd_apply(int argc, char **argv)
{
	struct ns_cli_opts o;
	struct ns_op_opts op;
	struct ns_op_result res;
	int rc = ns_cli_parse("apply", argc, argv, true, &o);

	if (rc)
		return rc;
	if (o.help) {
		help();
		return NS_EXIT_OK;
	}
	if (o.nargs != 2)
		return ns_usage_error("apply", "expects PID and PATCH");
	rc = ns_cli_op_setup("apply", &o, &op);
	if (rc)
		return rc;
	if (ns_apply(&op, o.args[1], &res) != 0) {
		return ns_cli_op_failed("apply", &o, op.pid, res.err);
	}
	if (o.json) {
		printf("{\"ok\":true,\"patch\":");
		ns_json_str(res.name);
		printf(",\"pid\":%d,"
		       "\"mode\":\"stop-the-world\",\"functions\":%zu,"
		       "\"threads\":%zu,\"pause_us\":%.1f,\"max_pause_us\":%.1f,"
		       "\"attempts\":%u,\"load_stop_us\":%.1f,"
		       "\"address\":\"0x%llx\",\"size\":%llu}\n",
		       op.pid, res.nfuncs, res.threads,
		       res.pause_ns / 1e3, res.max_pause_ns / 1e3, res.attempts,
		       res.load_stop_ns / 1e3, (unsigned long long)res.base,
		       (unsigned long long)res.size);
		return NS_EXIT_OK;
	}
	printf("applied patch '%s' to process %d: %zu function%s redirected "
	       "(stop-the-world mode)\n", res.name, op.pid, res.nfuncs,
	       res.nfuncs == 1 ? "" : "s");
	ns_cli_print_pause(&o, &res);
	if (o.verbose)
		printf("patch mapped at 0x%llx (%llu bytes)\n",
		       (unsigned long long)res.base, (unsigned long long)res.size);
	if (o.verbose && res.note[0])
		printf("%s\n", res.note);
	return NS_EXIT_OK;
}
