/* opts.c — option parsing shared by the commands that act on a process. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"

int ns_cli_parse(const char *cmd, int argc, char **argv, bool with_timeout,
		 struct ns_cli_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout = 5.0;
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
		case 'h': o->help = true; return 0;
		default:
			return ns_usage_error(cmd, "unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	o->nargs = argc - optind;
	o->args = argv + optind;
	return 0;
}
