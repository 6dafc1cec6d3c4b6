/* opts.h — the options apply, revert and status share. */
#ifndef NONSTOP_OPTS_H
#define NONSTOP_OPTS_H
#include <stdbool.h>

struct ns_cli_opts {
	double timeout;
	bool json, verbose, help;
	int nargs;
	char **args;      /* positional arguments */
};

/* Parses --timeout SEC, --json, -v, --help. Returns 0, or NS_EXIT_USAGE
 * after printing the error. WITH_TIMEOUT: whether --timeout is accepted. */
int ns_cli_parse(const char *cmd, int argc, char **argv, bool with_timeout,
		 struct ns_cli_opts *o);
#endif
