/* build.c — `nonstop build`: argument parsing and output of the patch
 * generator (src/gen/) and writer (src/patch/). */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/gen.h"
#include "srctree/linemap.h"
#include "srctree/srcdiff.h"
#include "patch/patch.h"

static void help(void)
{
	printf("usage: nonstop build -o PATCH --binary BIN [--new-binary NEWBIN]\n"
	       "                     [--name NAME] [--emit-transformer FILE]\n"
	       "                     [--sign KEY.pem] [-v] OLD_DIR NEW_DIR\n"
	       "       nonstop build -o PATCH --src DIR --diff FIX.diff [--make CMD]\n"
	       "                     [--binary BIN] [--new-binary NEWBIN] [--work WORK]\n"
	       "                     [--name NAME] [--emit-transformer FILE]\n"
	       "                     [--sign KEY.pem] [-v]\n\n"
	       "Compares the object files of two builds of a program (paired by their\n"
	       "path relative to OLD_DIR and NEW_DIR, built with 'nonstop cflags') and\n"
	       "writes a patch holding only what changed: replaced functions, new\n"
	       "functions, new variables. BIN is the program or library linked from\n"
	       "OLD_DIR; the patch is bound to its build-id and to the bytes of every\n"
	       "function it replaces. Only the objects linked into BIN count (the\n"
	       "tree may build other programs from the same sources): those whose\n"
	       "functions and variables BIN has with the same size and bytes; -v\n"
	       "names the others. Objects BIN cannot tell apart (the same code built\n"
	       "for two programs) are one if the fix changes them alike, else refused.\n\n"
	       "Hooks declared in NEW_DIR's objects with nonstop.h's NONSTOP_PRE_APPLY,\n"
	       "NONSTOP_POST_APPLY, NONSTOP_PRE_REVERT and NONSTOP_POST_REVERT (one of\n"
	       "each kind) are the patch's: recorded with it, their functions carried.\n"
	       "A hook declared in OLD_DIR's object too is an earlier patch's, left out.\n\n"
	       "Patches stack: with --new-binary, the patch also records the build-id\n"
	       "of NEWBIN, the program linked from NEW_DIR, as the version it produces.\n"
	       "A later patch built against NEWBIN (--binary NEWBIN, NEW_DIR as its\n"
	       "OLD_DIR) then applies to a process running BIN with this patch applied.\n\n"
	       "With --src and --diff, nonstop makes the two builds itself from your\n"
	       "source tree DIR (whose build must already use 'nonstop cflags') and a\n"
	       "fix FIX.diff (a unified diff, -p1 or -p0), leaving DIR untouched: it\n"
	       "copies DIR to WORK/old and runs CMD there, copies WORK/old to WORK/new\n"
	       "keeping timestamps, applies the fix made line-neutral (a '#line'\n"
	       "directive after each changed block, so __LINE__ in the code below it\n"
	       "does not move), runs CMD again (only what changed is rebuilt) and\n"
	       "compares WORK/old with WORK/new. WORK is a new private directory\n"
	       "PATCH.work.XXXXXX next to PATCH (its path is printed), kept for\n"
	       "inspection (build logs, fix.line-neutral.diff); every file nonstop\n"
	       "writes there is created new, never through a symlink.\n"
	       "Security: CMD is the tree's own build and runs as the user running\n"
	       "nonstop: never run 'build --src' as root on a tree you do not trust.\n\n"
	       "Live data keeps its layout: the DWARF type of every variable both builds\n"
	       "have (globals, statics, static locals) is compared member by member\n"
	       "(offsets, bit-fields, types, array bounds), and so is the signature of\n"
	       "every function the patch replaces. A function whose signature changed\n"
	       "becomes a new function beside the old one, every caller replaced to\n"
	       "call it, unless the old build takes its address, BIN exports it, or a\n"
	       "caller in another object is unchanged (refused). A changed type is\n"
	       "refused, naming the type, the field and the variables, unless the\n"
	       "new build gives a state transformer for the variable\n"
	       "(NONSTOP_TRANSFORM, nonstop.h): the patch then brings the variable\n"
	       "anew, with every function that uses it, and apply fills it from the\n"
	       "live one with the transformer.\n"
	       "--emit-transformer FILE writes transformers to start from.\n\n"
	       "The patch file ends with a seal: the SHA-256 of all of its content,\n"
	       "which show and apply check before they read anything else (a file\n"
	       "damaged by even one bit is refused). With --sign, the seal also holds\n"
	       "an Ed25519 signature by KEY.pem and its public key. Make a key pair\n"
	       "with:\n"
	       "  openssl genpkey -algorithm ed25519 -out KEY.pem\n"
	       "  openssl pkey -in KEY.pem -pubout -out KEY.pub.pem\n"
	       "and put KEY.pub.pem in the keys directory of every host that is to\n"
	       "apply your patches (see nonstop apply --help). PATCH is written to a\n"
	       "new file next to it, renamed over PATCH at the end: a symlink at\n"
	       "PATCH is replaced, not followed.\n\n"
	       "options:\n"
	       "  -o PATCH       the patch file to write\n"
	       "  --binary BIN   the binary built from OLD_DIR (unstripped); with --src,\n"
	       "                 relative to DIR (default: the one executable the build\n"
	       "                 produced)\n"
	       "  --new-binary NEWBIN  the binary linked from NEW_DIR (unstripped): its\n"
	       "                 build-id is recorded as the version the patch produces,\n"
	       "                 after checking that it holds the patch's code; with\n"
	       "                 --src, e.g. WORK/new/PROGRAM (with --work WORK)\n"
	       "  --name NAME    patch name (default: PATCH's base name without extension)\n"
	       "  --src DIR      the source tree of the running program\n"
	       "  --diff FIX     the fix to build a patch from\n"
	       "  --make CMD     build command, run by sh in each tree (default: make)\n"
	       "  --work WORK    work directory instead of a new one: created (mode\n"
	       "                 0700) if missing; else it must be a real directory\n"
	       "                 (not a symlink) of yours that group and others cannot\n"
	       "                 write, and empty or an earlier WORK (what that run\n"
	       "                 left is removed); must not be inside DIR\n"
	       "  --emit-transformer FILE  when variables changed their type, write FILE:\n"
	       "                 C with their old and new types and a transformer per\n"
	       "                 variable that copies the fields that kept their name\n"
	       "                 and type, NONSTOP-TODO placeholders for the rest; the\n"
	       "                 build still exits 1 (no patch is written until the\n"
	       "                 transformer is in the new build's sources)\n"
	       "  --sign KEY.pem sign the patch with this Ed25519 private key (PEM, as\n"
	       "                 openssl genpkey -algorithm ed25519 makes it; other key\n"
	       "                 types and encrypted keys are refused)\n"
	       "  --rewrite-diff FIX  debugging aid: print FIX made line-neutral and exit\n"
	       "  -v             print the decision taken for every function, and the\n"
	       "                 objects left out as not linked into BIN\n"
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

/* --rewrite-diff FIX: prints FIX made line-neutral (linemap.c). */
static int rewrite_diff(const char *path)
{
	struct ns_err err = { 0 };
	char warn[2048], *text, *res;
	size_t len, rlen;
	unsigned nwarn;

	if (!(text = ns_srcdiff_read_file(path, &len, &err)))
		return ns_fail("build", "%s", err.msg);
	res = ns_linemap_rewrite(text, len, -1, &rlen, &nwarn, warn, sizeof(warn),
				 &err);
	free(text);
	if (!res)
		return ns_fail("build", "%s: %s", path, err.msg);
	fwrite(res, 1, rlen, stdout);
	if (nwarn)
		fprintf(stderr, "nonstop build: warning: %s", warn);
	free(res);
	return NS_EXIT_OK;
}

static int build(struct ns_gen_opts opts, struct ns_srcdiff_opts so,
		 const char *out, const struct ns_sign_key *key);

/* The generator's warnings (one per line), on stderr; frees them. */
static void print_warnings(struct ns_gen_stats *st)
{
	for (char *l = st->warnings, *nl; l && *l; l = nl + 1) {
		nl = strchr(l, '\n');
		fprintf(stderr, "nonstop build: warning: %.*s\n", (int)(nl - l), l);
	}
	free(st->warnings);
	st->warnings = NULL;
}

int cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "binary", required_argument, NULL, 'b' },
		{ "new-binary", required_argument, NULL, 'B' },
		{ "name",   required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument,      NULL, 'v' },
		{ "help",   no_argument,       NULL, 'h' },
		{ "src",    required_argument, NULL, 'S' },
		{ "diff",   required_argument, NULL, 'D' },
		{ "make",   required_argument, NULL, 'M' },
		{ "work",   required_argument, NULL, 'W' },
		{ "rewrite-diff", required_argument, NULL, 'R' },
		{ "emit-transformer", required_argument, NULL, 'T' },
		{ "sign",   required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct ns_gen_opts opts = { 0 };
	struct ns_srcdiff_opts so = { 0 };
	const char *rewrite = NULL, *sign = NULL;
	struct ns_sign_key *key = NULL;
	const char *out = NULL;
	struct ns_err err = { 0 };
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'b': opts.binary = optarg; break;
		case 'B': opts.new_binary = optarg; break;
		case 'n': opts.name = optarg; break;
		case 'v': opts.verbose++; break;
		case 'h': help(); return NS_EXIT_OK;
		case 'S': so.src = optarg; break;
		case 'D': so.diff = optarg; break;
		case 'M': so.make = optarg; break;
		case 'W': so.work = optarg; break;
		case 'R': rewrite = optarg; break;
		case 'T': opts.emit_transformer = optarg; break;
		case 'K': sign = optarg; break;
		default:
			return ns_usage_error("build", "unknown option or missing argument '%s'",
					      argv[optind - 1]);
		}
	}
	if (rewrite)
		return rewrite_diff(rewrite);
	if (!out)
		return ns_usage_error("build", "missing -o PATCH");
	if (so.src || so.diff) {
		if (!so.src || !so.diff)
			return ns_usage_error("build", "--src DIR and --diff FIX go together");
		if (argc != optind)
			return ns_usage_error("build", "unexpected argument '%s' with --src",
					      argv[optind]);
	} else {
		if (so.make || so.work)
			return ns_usage_error("build", "--make and --work need --src and --diff");
		if (!opts.binary)
			return ns_usage_error("build", "missing --binary BIN");
		if (argc - optind != 2)
			return ns_usage_error("build", "expected OLD_DIR and NEW_DIR");
		opts.old_dir = argv[optind];
		opts.new_dir = argv[optind + 1];
	}
	/* The key is checked before the long part, the builds. */
	if (sign && !(key = ns_sign_key_load(sign, &err)))
		return ns_fail("build", "%s", err.msg);
	rc = build(opts, so, out, key);
	ns_sign_key_free(key);
	return rc;
}

/* Everything after the options: the builds (with --src), the patch, and
 * the patch file, signed with KEY unless it is NULL. */
static int build(struct ns_gen_opts opts, struct ns_srcdiff_opts so,
		 const char *out, const struct ns_sign_key *key)
{
	struct ns_srcdiff_result sr = { 0 };
	struct ns_gen_stats st = { 0 };
	struct ns_patch patch;
	struct ns_err err = { 0 };
	char *name = NULL, why[256];
	int rc;

	if (!opts.name) {
		name = default_name(out);
		if (!name || !*name) {
			free(name);
			return ns_usage_error("build", "cannot derive a name from '%s'; use --name", out);
		}
		opts.name = name;
	}
	if (!ns_patch_name_ok(opts.name, why, sizeof(why))) {
		free(name);
		return ns_usage_error("build", "%s; use --name", why);
	}
	if (so.src) {
		so.patch = out;
		so.binary = opts.binary;
		so.verbose = opts.verbose;
		if (ns_srcdiff_prepare(&so, &sr, &err)) {
			free(name);
			return ns_fail("build", "%s", err.msg);
		}
		opts.old_dir = sr.old_dir;
		opts.new_dir = sr.new_dir;
		opts.binary = sr.binary;
		printf("comparing %s and %s\n", sr.old_dir, sr.new_dir);
	}
	rc = ns_gen_build(&opts, &patch, &st, &err);
	print_warnings(&st);
	if (rc == NS_GEN_NOCHANGE) {
		fprintf(stderr, "nonstop build: %s\n", err.msg);
		ns_srcdiff_result_free(&sr);
		free(name);
		return NS_EXIT_NOCHANGE;
	}
	if (rc != NS_GEN_OK) {
		if (st.xform_vars)
			printf("wrote %s: %u transformer%s, %u NONSTOP-TODO placeholder%s "
			       "to fill\n", opts.emit_transformer, st.xform_vars,
			       st.xform_vars == 1 ? "" : "s", st.xform_todo,
			       st.xform_todo == 1 ? "" : "s");
		ns_srcdiff_result_free(&sr);
		free(name);
		return ns_fail("build", "%s", err.msg);
	}
	ns_srcdiff_result_free(&sr);
	if (ns_patch_write(out, &patch, key, &err)) {
		ns_patch_free(&patch);
		free(name);
		return ns_fail("build", "%s", err.msg);
	}
	printf("wrote %s: %u function%s replaced, %u added, %u variable%s added",
	       out, st.replaced, st.replaced == 1 ? "" : "s", st.added,
	       st.data_added, st.data_added == 1 ? "" : "s");
	if (st.transformed)
		printf(", %u transformed", st.transformed);
	if (key) {
		char kname[NS_KEY_NAME_LEN];

		ns_key_name(ns_sign_key_id(key), kname);
		printf(", signed by key %s", kname);
	}
	printf("\n");
	ns_patch_free(&patch);
	free(name);
	return NS_EXIT_OK;
}
