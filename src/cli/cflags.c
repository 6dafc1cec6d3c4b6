/* cflags.c — `nonstop cflags`: the flags that make a program patchable.
 *
 * -ffunction-sections/-fdata-sections give every function and variable its
 * own section, so the generator can compare them one by one and new code can
 * bind to each existing variable. -g keeps the symbol and line information
 * that binds a patch to the binary and lets `status` name functions.
 * Unwind tables (the default on x86-64) are what the safety check unwinds.
 * -fpatchable-function-entry=7,5 puts 5 bytes of nops before every function
 * and a 2-byte nop at its entry (after endbr64 under -fcf-protection): the
 * per-thread transition redirects a running function through them with one
 * atomic 2-byte write (a short jump back into the 5 bytes, which no thread
 * ever executes). It also keeps gcc from letting callers depend on the
 * registers a patchable function happens to preserve (-fipa-ra), so a
 * changed function no longer drags its callers into the patch. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char ns_cflags[] = "-g -ffunction-sections -fdata-sections "
	"-fpatchable-function-entry=7,5";

int cmd_cflags(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: nonstop cflags\n\n"
		       "Prints, on one line, the compiler flags a program must be\n"
		       "built with to be patchable:\n"
		       "    CFLAGS += $(nonstop cflags)\n");
		return NS_EXIT_OK;
	}
	if (argc > 1)
		return ns_usage_error("cflags", "unexpected argument '%s'", argv[1]);
	printf("%s\n", ns_cflags);
	return NS_EXIT_OK;
}
