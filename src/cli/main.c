/* main.c — the nonstop command: dispatches to one file per command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nonstop.h"
#include "cli/json_doc.h"
#include "util/err.h"
#include "util/escape.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "cflags", cmd_cflags, "print the compiler flags that make a program patchable" },
	{ "build",  cmd_build,  "build a patch by comparing two builds of a program" },
	{ "show",   cmd_show,   "show what a patch changes" },
	{ "apply",  cmd_apply,  "apply a patch to a running process" },
	{ "revert", cmd_revert, "undo a patch applied to a running process" },
	{ "status", cmd_status, "list the patches applied to a running process" },
	{ "version", cmd_version, "print nonstop's version (also: --version)" },
	{ "help",   cmd_help,   "print this list (also: --help)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: nonstop COMMAND [OPTIONS] ...\n\n"
		"Updates a running C program to a new version of its code without\n"
		"restarting it.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'nonstop COMMAND --help' describes one command.\n"
		"exit codes: 0 done, 1 refused or failed, 2 usage error,\n"
		"            3 (build) the builds do not differ in code\n");
}

/* `nonstop version`, `nonstop --version`: the version of the tool, which
 * is libnonstop's (include/nonstop.h), as "nonstop MAJOR.MINOR". */
static int cmd_version(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: nonstop version\n       nonstop --version\n\n"
		       "Prints \"nonstop MAJOR.MINOR\": the version of the tool, "
		       "and of the\nlibnonstop and nonstop.h it comes with.\n");
		return NS_EXIT_OK;
	}
	if (argc > 1)
		return ns_usage_error("version", "takes no argument");
	printf("nonstop %d.%d\n", NONSTOP_VERSION_MAJOR, NONSTOP_VERSION_MINOR);
	return NS_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return NS_EXIT_OK;
}

int ns_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ns_json_doc_fail(msg, NS_EXIT_USAGE);
	fprintf(stderr, "nonstop %s: %s (see 'nonstop %s --help')\n", cmd, msg,
		cmd);
	return NS_EXIT_USAGE;
}

int ns_fail(const char *cmd, const char *fmt, ...)
{
	char msg[NS_ESC_SIZE(NS_ERR_MAX) + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ns_json_doc_fail(msg, NS_EXIT_FAIL);
	fprintf(stderr, "nonstop %s: %s\n", cmd, msg);
	return NS_EXIT_FAIL;
}

int ns_parse_pid(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	v = strtol(s, &end, 10);
	if (*end || v <= 0 || v > 0x3fffffff)
		return 0;
	return (int)v;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return NS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "nonstop: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return NS_EXIT_USAGE;
}
