/* opts.h — the options and output that apply, revert and status share. */
#ifndef NONSTOP_OPTS_H
#define NONSTOP_OPTS_H
#include <stdbool.h>

struct ns_cli_opts {
	double timeout;
	bool json, verbose, help, all, replace, leave_pending, complete;
	int mode;         /* NS_OPT_MODE_* (core.h) */
	/* --all-processes and what goes with it (apply, revert, status) */
	bool all_processes, by_user;
	unsigned jobs;    /* --jobs N; 0: one per CPU */
	unsigned uid;     /* --user */
	int *exclude;     /* --exclude PID..., malloc'd (ns_cli_opts_free) */
	size_t nexclude;
	int nargs;
	char **args;      /* positional arguments */
};

/* Parses --timeout SEC, --json, -v, --help (and --all, which only revert
 * accepts, and --replace, --mode, --leave-pending and --complete, which
 * only apply accepts; --all-processes, --jobs N, --user USER and
 * --exclude PID, which apply, revert and status accept, the last three
 * only with --all-processes). Returns 0, or NS_EXIT_USAGE after printing the error.
 * WITH_TIMEOUT: whether --timeout is accepted. */
int ns_cli_parse(const char *cmd, int argc, char **argv, bool with_timeout,
		 struct ns_cli_opts *o);
void ns_cli_opts_free(struct ns_cli_opts *o);

/* Runs the host-wide form of a command (cli/host.h) and frees O: its
 * exit code. */
int ns_cli_run_host(int (*fn)(const struct ns_cli_opts *o), struct ns_cli_opts *o);
struct ns_op_opts;
struct ns_op_result;

/* Fills OP from O: PID from the first argument, timeout, verbosity.
 * 0, or NS_EXIT_USAGE after printing the error. */
int ns_cli_op_setup(const char *cmd, const struct ns_cli_opts *o,
		    struct ns_op_opts *op);

/* Reports a failed operation (as JSON too with --json): one line on
 * stderr, ERR escaped. NS_EXIT_FAIL. */
int ns_cli_op_failed(const char *cmd, const struct ns_cli_opts *o, int pid,
		     const char *err);

/* "nonstop CMD: warning: ..." on stderr if RES has a warning (done, but
 * something after did not work out), escaped. */
void ns_cli_warn(const char *cmd, const struct ns_op_result *res);

/* "stop-the-world" or "per-thread": the mode an operation used. */
const char *ns_cli_mode_name(const struct ns_op_result *res);

/* JSON members (no braces) for the mode and, per thread, the switch. */
void ns_cli_json_switch(const struct ns_op_result *res);

/* How the switch went: the pause (stop-the-world), or who switched TO
 * ("to the new code") when, and what to know (per-thread). */
void ns_cli_print_switch(const struct ns_cli_opts *o,
			 const struct ns_op_result *res, const char *to);

/* The hooks an operation ran (core/hooks.h): one line each, "pre-apply
 * hook 'f' returned 0". */
void ns_cli_print_hooks(const struct ns_op_result *res);
/* The last JSON members of an apply's or a revert's object and its end:
 * ',"transformed":N' (if any), ',"hooks":[...]', ',"warning":"..."' (if
 * any), '}' and a newline. */
void ns_cli_json_end(const struct ns_op_result *res);

/* Prints the pause line of an operation, and with -v its phases. */
void ns_cli_print_pause(const struct ns_cli_opts *o,
			const struct ns_op_result *res);
#endif
