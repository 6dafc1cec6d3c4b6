/* opts.c — option parsing and output shared by the commands that act on
 * a process. Every text line that carries a string from the target or
 * the patch (a name, a hook's message, a reason naming them) prints it
 * escaped (util/escape.h); JSON strings are escaped by ns_json_str. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json_doc.h"
#include "cli/opts.h"
#include "core/core.h"
#include "util/guard.h"

/* USER: a name of the password database, or a number. */
static int parse_user(const char *cmd, const char *user, unsigned *uid)
{
	struct passwd *pw = getpwnam(user);
	char *end;
	unsigned long v;

	if (pw) {
		*uid = pw->pw_uid;
		return 0;
	}
	v = strtoul(user, &end, 10);
	if (!*user || *end || v > 0xfffffffeUL)
		return ns_usage_error(cmd, "--user: no user '%s'", user);
	*uid = (unsigned)v;
	return 0;
}

/* --all-processes, --jobs N, --user USER, --exclude PID. */
static int host_option(const char *cmd, int c, const char *arg, int argc,
		       struct ns_cli_opts *o)
{
	char *end;
	unsigned long v;

	if (strcmp(cmd, "apply") && strcmp(cmd, "revert") && strcmp(cmd, "status"))
		return ns_usage_error(cmd, "unknown option");
	switch (c) {
	case 'P':
		o->all_processes = true;
		return 0;
	case 'J':
		v = strtoul(arg, &end, 10);
		if (!*arg || *end || v < 1 || v > 1024)
			return ns_usage_error(cmd, "--jobs wants a number from 1 "
					      "to 1024, not '%s'", arg);
		o->jobs = (unsigned)v;
		return 0;
	case 'U':
		o->by_user = true;
		return parse_user(cmd, arg, &o->uid);
	default:
		if (!o->exclude && !(o->exclude = calloc((size_t)argc, sizeof(int))))
			return ns_usage_error(cmd, "out of memory");
		if (!(o->exclude[o->nexclude++] = ns_parse_pid(arg)))
			return ns_usage_error(cmd, "--exclude: '%s' is not a "
					      "process id", arg);
		return 0;
	}
}

int ns_cli_parse(const char *cmd, int argc, char **argv, bool with_timeout,
		 struct ns_cli_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "replace", no_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "leave-pending", no_argument, NULL, 'p' },
		{ "complete", no_argument, NULL, 'c' },
		{ "all-processes", no_argument, NULL, 'P' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "user", required_argument, NULL, 'U' },
		{ "exclude", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->timeout = 5.0;
	/* A usage error before --json is read is a document too. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			ns_json_doc_want();
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 't':
			if (!with_timeout)
				return ns_usage_error(cmd, "--timeout is not an "
						      "option of this command");
			o->timeout = strtod(optarg, &end);
			if (*end || end == optarg || o->timeout < 0 ||
			    o->timeout > 86400)
				return ns_usage_error(cmd, "--timeout wants seconds "
						      "(0 to 86400), not '%s'",
						      optarg);
			break;
		case 'j': o->json = true; break;
		case 'v': o->verbose = true; break;
		case 'a':
			if (strcmp(cmd, "revert"))
				return ns_usage_error(cmd, "--all is an option of "
						      "revert only");
			o->all = true;
			break;
		case 'r':
			if (strcmp(cmd, "apply"))
				return ns_usage_error(cmd, "--replace is an option "
						      "of apply only");
			o->replace = true;
			break;
		case 'm':
			if (strcmp(cmd, "apply"))
				return ns_usage_error(cmd, "--mode is an option of "
						      "apply only");
			if (!strcmp(optarg, "stop"))
				o->mode = NS_OPT_MODE_STOP;
			else if (!strcmp(optarg, "per-thread"))
				o->mode = NS_OPT_MODE_PER_THREAD;
			else
				return ns_usage_error(cmd, "--mode is stop or "
						      "per-thread, not '%s'", optarg);
			break;
		case 'p':
			if (strcmp(cmd, "apply"))
				return ns_usage_error(cmd, "--leave-pending is an "
						      "option of apply only");
			o->leave_pending = true;
			break;
		case 'c':
			if (strcmp(cmd, "apply"))
				return ns_usage_error(cmd, "--complete is an "
						      "option of apply only");
			o->complete = true;
			break;
		case 'P': case 'J': case 'U': case 'X':
			rc = host_option(cmd, c, optarg, argc, o);
			if (rc)
				return rc;
			break;
		case 'h': o->help = true; return 0;
		default:
			return ns_usage_error(cmd, "unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	o->nargs = argc - optind;
	o->args = argv + optind;
	if (!o->all_processes && (o->jobs || o->by_user || o->nexclude))
		return ns_usage_error(cmd, "--jobs, --user and --exclude go "
				      "with --all-processes");
	return 0;
}

void ns_cli_opts_free(struct ns_cli_opts *o)
{
	free(o->exclude);
	o->exclude = NULL;
	o->nexclude = 0;
}

int ns_cli_run_host(int (*fn)(const struct ns_cli_opts *o), struct ns_cli_opts *o)
{
	int rc = fn(o);

	ns_cli_opts_free(o);
	return rc;
}

int ns_cli_op_setup(const char *cmd, const struct ns_cli_opts *o,
		    struct ns_op_opts *op)
{
	memset(op, 0, sizeof(*op));
	op->pid = ns_parse_pid(o->args[0]);
	if (!op->pid)
		return ns_usage_error(cmd, "'%s' is not a process id", o->args[0]);
	op->timeout = o->timeout;
	ns_guard_target_command(cmd, o->timeout);
	op->verbose = o->verbose;
	op->replace = o->replace;
	op->mode = o->mode;
	op->leave_pending = o->leave_pending;
	return 0;
}

int ns_cli_op_failed(const char *cmd, const struct ns_cli_opts *o, int pid,
		     const char *err)
{
	char line[NS_ESC_SIZE(NS_ERR_MAX)], fields[32];

	snprintf(fields, sizeof(fields), "\"pid\":%d,", pid);
	if (o->json)
		ns_json_doc_fail_at(fields, err, NS_EXIT_FAIL);
	/* The reason names what it is about: a patch, a function, a thread
	 * of the target, by the names the target or the patch gave them. */
	return ns_fail(cmd, "%s", ns_esc(err, line, sizeof(line)));
}

void ns_cli_warn(const char *cmd, const struct ns_op_result *res)
{
	char line[NS_ESC_SIZE(sizeof(res->warn))];

	if (res->warn[0])
		fprintf(stderr, "nonstop %s: warning: %s\n", cmd,
			ns_esc(res->warn, line, sizeof(line)));
}

const char *ns_cli_mode_name(const struct ns_op_result *res)
{
	return res->mode == NS_MODE_PER_THREAD ? "per-thread" : "stop-the-world";
}

void ns_cli_json_switch(const struct ns_op_result *res)
{
	printf("\"mode\":\"%s\"", ns_cli_mode_name(res));
	if (res->mode != NS_MODE_PER_THREAD) {
		/* frozen: from the last thread stopped to the first released,
		 * every thread held at once */
		printf(",\"ran_alone\":%u,\"stop_us\":%.1f,\"unwind_us\":%.1f,"
		       "\"write_us\":%.1f,\"release_us\":%.1f,\"frozen_us\":%.1f",
		       res->ran_alone, res->phase_ns[0] / 1e3,
		       res->phase_ns[1] / 1e3, res->phase_ns[2] / 1e3,
		       res->phase_ns[3] / 1e3,
		       (res->phase_ns[1] + res->phase_ns[2]) / 1e3);
		return;
	}
	printf(",\"stopped_threads\":[%d],\"switched_threads\":%zu,"
	       "\"switched_asleep\":%zu,\"waiting_threads\":%zu,"
	       "\"switch_us\":%.1f,\"first_switch_us\":%.1f,"
	       "\"pending\":%s,\"retiring\":%s", res->stopped_tid,
	       res->pt_threads, res->pt_asleep, res->pt_waiting,
	       res->switch_ns / 1e3,
	       res->first_ns / 1e3,
	       res->pending ? "true" : "false", res->retiring ? "true" : "false");
	if (res->note[0]) {
		printf(",\"note\":");
		ns_json_str(res->note);
	}
}

void ns_cli_print_switch(const struct ns_cli_opts *o,
			 const struct ns_op_result *res, const char *to)
{
	char note[NS_ESC_SIZE(sizeof(res->note))];

	ns_esc(res->note, note, sizeof(note));
	if (res->mode != NS_MODE_PER_THREAD) {
		ns_cli_print_pause(o, res);
		return;
	}
	if (res->pending)
		printf("transition pending: the threads that passed an update "
		       "point run the new code; `nonstop status` shows the others\n");
	else if (res->retiring)
		printf("every thread runs the old code; %s\n", note);
	else if (!res->pt_asleep)
		printf("%zu thread%s switched %s by %s at an update point, the "
		       "last after %.1f ms; no thread was stopped but libnonstop's "
		       "own (thread %d)\n", res->pt_threads,
		       res->pt_threads == 1 ? "" : "s", to,
		       res->pt_threads == 1 ? "itself" : "themselves",
		       res->switch_ns / 1e6, res->stopped_tid);
	else
		printf("%zu thread%s switched %s, the last after %.1f ms: %zu by "
		       "%s at an update point, %zu asleep in a system call by "
		       "nonstop (each held while asleep, its stack checked); no "
		       "running thread was stopped but libnonstop's own (thread "
		       "%d)\n", res->pt_threads, res->pt_threads == 1 ? "" : "s",
		       to, res->switch_ns / 1e6, res->pt_threads - res->pt_asleep,
		       res->pt_threads - res->pt_asleep == 1 ? "itself" :
		       "themselves", res->pt_asleep, res->stopped_tid);
	if (!res->pending && !res->retiring && res->pt_waiting)
		printf("%zu of them %s in poll, select or epoll_wait "
		       "(NONSTOP_UPDATE_POINTS=waits), at an update point: %s "
		       "the change as its call returns\n", res->pt_waiting,
		       res->pt_waiting == 1 ? "waits" : "wait",
		       res->pt_waiting == 1 ? "it takes" : "each takes");
	if (res->note[0] && !res->retiring)
		printf("note: %s\n", note);
}

void ns_cli_print_pause(const struct ns_cli_opts *o,
			const struct ns_op_result *res)
{
	printf("paused %zu thread%s for %.0f us (%u attempt%s)", res->threads,
	       res->threads == 1 ? "" : "s", res->pause_ns / 1e3, res->attempts,
	       res->attempts == 1 ? "" : "s");
	if (res->ran_alone)
		printf("; a busy thread ran alone %u time%s, the others held",
		       res->ran_alone, res->ran_alone == 1 ? "" : "s");
	if (res->load_stop_ns)
		printf("; one thread (%d) stopped %.0f us to map the patch",
		       (int)res->load_stop_tid, res->load_stop_ns / 1e3);
	printf("\n");
	if (o->verbose)
		printf("pause: %.0f us stopping the threads (each unwound as "
		       "it stopped), %.0f us more unwinding, %.0f us writing, "
		       "%.0f us releasing them; every thread held at once for "
		       "%.0f us\n",
		       res->phase_ns[0] / 1e3, res->phase_ns[1] / 1e3,
		       res->phase_ns[2] / 1e3, res->phase_ns[3] / 1e3,
		       (res->phase_ns[1] + res->phase_ns[2]) / 1e3);
}

/* ---- hooks ---------------------------------------------------------------- */

static const char *hook_name(uint32_t kind)
{
	static const char *const names[] = { "?", "pre-apply", "post-apply",
					     "pre-revert", "post-revert" };

	return kind < sizeof(names) / sizeof(*names) ? names[kind] : "?";
}

void ns_cli_print_hooks(const struct ns_op_result *res)
{
	for (size_t k = 0; k < sizeof(res->hooks) / sizeof(*res->hooks); k++) {
		const struct ns_hook_run *h = &res->hooks[k];
		char fn[NS_ESC_SIZE(sizeof(h->fn))], msg[NS_ESC_SIZE(sizeof(h->msg))];

		if (!h->kind)
			continue;
		printf("%s hook '%s' returned %d%s%s\n", hook_name(h->kind),
		       ns_esc(h->fn, fn, sizeof(fn)), (int)h->ret,
		       h->msg[0] ? ": " : "", ns_esc(h->msg, msg, sizeof(msg)));
	}
}

void ns_cli_json_end(const struct ns_op_result *res)
{
	bool first = true;

	if (res->nxforms)
		printf(",\"transformed\":%zu", res->nxforms);
	printf(",\"hooks\":[");
	for (size_t k = 0; k < sizeof(res->hooks) / sizeof(*res->hooks); k++) {
		const struct ns_hook_run *h = &res->hooks[k];

		if (!h->kind)
			continue;
		printf("%s{\"kind\":\"%s\",\"function\":", first ? "" : ",",
		       hook_name(h->kind));
		ns_json_str(h->fn);
		printf(",\"returned\":%d,\"message\":", (int)h->ret);
		ns_json_str(h->msg);
		putchar('}');
		first = false;
	}
	putchar(']');
	if (res->warn[0]) {
		printf(",\"warning\":");
		ns_json_str(res->warn);
	}
	printf("}\n");
	ns_json_doc_printed();
}
