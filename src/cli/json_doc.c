/* json_doc.c — one JSON document per command run with --json (see
 * json_doc.h).
 *
 * A command prints its own document when it succeeds, and the failures
 * that know more (which process, which patch) print theirs. Every other
 * way out of a command goes through ns_fail or ns_usage_error, which ask
 * here: with --json and nothing printed yet, the failure becomes the
 * document, so a script reading stdout always gets one. The state is one
 * process-wide flag pair, on purpose: it is a property of the command's
 * stdout, which is process-wide too, and every error path of every
 * command reaches it without being handed it. */
#include <stdio.h>

#include "cli/json_doc.h"
#include "util/escape.h"

static bool wanted, printed;

void ns_json_doc_want(void)
{
	wanted = true;
}

void ns_json_doc_printed(void)
{
	printed = true;
}

void ns_json_doc_fail(const char *msg, int code)
{
	if (!wanted || printed)
		return;
	printf("{\"ok\":false,\"error\":");
	ns_json_str(msg);
	printf(",\"exit\":%d%s}\n", code, code == 2 ? ",\"usage\":true" : "");
	fflush(stdout);
	printed = true;
}
