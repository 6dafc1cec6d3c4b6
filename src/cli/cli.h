/* cli.h — the commands of the nonstop tool, one file each in src/cli/. */
#ifndef NONSTOP_CLI_H
#define NONSTOP_CLI_H
#include "util/escape.h"
#include "cli/json_doc.h"

/* Exit codes: part of the contract (docs/commands.md, "Exit codes"). */
#define NS_EXIT_OK      0
#define NS_EXIT_FAIL    1  /* refused or failed; target exactly as it was */
#define NS_EXIT_USAGE   2
#define NS_EXIT_NOCHANGE 3 /* build: the two builds do not differ in code */

/* The compiler flags a program must be built with (nonstop cflags). */
extern const char ns_cflags[];

int cmd_cflags(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_revert(int argc, char **argv);
int cmd_status(int argc, char **argv);

/* Prints "nonstop CMD: MSG" on stderr; returns NS_EXIT_USAGE. */
int ns_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "nonstop CMD: MSG" on stderr; returns NS_EXIT_FAIL. */
int ns_fail(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* ns_json_str() and ns_esc(), for strings nonstop did not write: util/escape.h. */

/* Parses a decimal PID; 0 if it is not one. */
int ns_parse_pid(const char *s);
#endif
