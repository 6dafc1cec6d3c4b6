/* build.c — `nonstop build`: argument parsing and output of the patch
 * generator (src/gen/) and writer (src/patch/). */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/gen.h"
#include "patch/patch.h"

static void help(void)
{
	printf("usage: nonstop build -o PATCH --binary BIN [--name NAME] [-v] OLD_DIR NEW_DIR\n\n"
	       "Compares the object files of two builds of a program (paired by their\n"
	       "path relative to OLD_DIR and NEW_DIR, built with 'nonstop cflags') and\n"
	       "writes a patch holding only what changed: replaced functions, new\n"
	       "functions, new variables. BIN is the program or library linked from\n"
	       "OLD_DIR; the patch is bound to its build-id and to the bytes of every\n"
	       "function it replaces.\n\n"
	       "options:\n"
	       "  -o PATCH       the patch file to write\n"
	       "  --binary BIN   the binary built from OLD_DIR (unstripped)\n"
	       "  --name NAME    patch name (default: PATCH's base name without extension)\n"
	       "  -v             print the decision taken for every function\n"
	       "  --help         this text\n\n"
	       "exit codes: 0 written, 1 refused or failed, 2 usage error,\n"
	       "            3 the builds do not differ in code\n");
}

/* Base name of PATH without its extension. */
static char *default_name(const char *path)
{
	char *tmp = strdup(path), *name, *dot;

	if (!tmp)
		return NULL;
	name = strdup(basename(tmp));
	free(tmp);
	if (name && (dot = strrchr(name, '.')) && dot != name)
		*dot = '\0';
	return name;
}

int cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "binary", required_argument, NULL, 'b' },
		{ "name",   required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument,      NULL, 'v' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ns_gen_opts opts = { 0 };
	struct ns_gen_stats st;
	struct ns_patch patch;
	const char *out = NULL;
	char *name = NULL, err[1024];
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'b': opts.binary = optarg; break;
		case 'n': opts.name = optarg; break;
		case 'v': opts.verbose++; break;
		case 'h': help(); return NS_EXIT_OK;
		default:
			return ns_usage_error("build", "unknown option or missing argument '%s'",
					      argv[optind - 1]);
		}
	}
	if (!out)
		return ns_usage_error("build", "missing -o PATCH");
	if (!opts.binary)
		return ns_usage_error("build", "missing --binary BIN");
	if (argc - optind != 2)
		return ns_usage_error("build", "expected OLD_DIR and NEW_DIR");
	opts.old_dir = argv[optind];
	opts.new_dir = argv[optind + 1];
	if (!opts.name) {
		name = default_name(out);
		if (!name || !*name) {
			free(name);
			return ns_usage_error("build", "cannot derive a name from '%s'; use --name", out);
		}
		opts.name = name;
	}
	rc = ns_gen_build(&opts, &patch, &st, err, sizeof(err));
	if (rc == NS_GEN_NOCHANGE) {
		fprintf(stderr, "nonstop build: %s\n", err);
		free(name);
		return NS_EXIT_NOCHANGE;
	}
	if (rc != NS_GEN_OK) {
		free(name);
		return ns_fail("build", "%s", err);
	}
	if (ns_patch_write(out, &patch, err, sizeof(err))) {
		ns_patch_free(&patch);
		free(name);
		return ns_fail("build", "%s", err);
	}
	printf("wrote %s: %u function%s replaced, %u added, %u variable%s added\n",
	       out, st.replaced, st.replaced == 1 ? "" : "s", st.added,
	       st.data_added, st.data_added == 1 ? "" : "s");
	ns_patch_free(&patch);
	free(name);
	return NS_EXIT_OK;
}
