/* guard.h — the limits a command that reads a target (apply, revert,
 * status) runs under, as a whole.
 *
 * What a target controls can make nonstop's work slow (a file on a FUSE
 * file system that its user serves and stalls: a module file, or pages
 * read through /proc/PID/mem), large (a sparse module file whose sections
 * claim gigabytes), or fault (a module file truncated while nonstop has it
 * mapped). Each step bounds what it can; this is the last line behind
 * them, for the whole command:
 *  - a deadline: past it, nonstop says so and exits, which the target
 *    survives as it survives a nonstop killed at any instant (docs/failures.md,
 *    "Surviving nonstop's death mid-apply"; the next command cleans up);
 *  - SIGBUS (a mapped file shrank): the same, said;
 *  - data memory capped (RLIMIT_DATA): an allocation past the cap fails,
 *    and the step that made it with it, instead of the host's OOM killer
 *    choosing a victim among other users' processes;
 *  - no network: DEBUGINFOD_URLS is unset (libdwfl would fetch debug info
 *    for build-ids the target chooses). */
#ifndef NONSTOP_UTIL_GUARD_H
#define NONSTOP_UTIL_GUARD_H

/* Data memory nonstop may use while it reads a target. */
#define NS_GUARD_DATA_MAX (2ULL << 30)

/* Sets the limits for command CMD (for messages, a string that lives as
 * long as the process), whose waits are bounded by TIMEOUT seconds each:
 * the whole command's deadline is a generous multiple of it. */
void ns_guard_target_command(const char *cmd, double timeout);

/* Only the cap on the data segment (NS_GUARD_DATA_MAX): for a command
 * that reads its targets' files but waits on no target itself (the scan
 * of a host-wide command, whose jobs have the whole guard). */
void ns_guard_cap_data(void);

/* FN is called, from the signal handler, with the line the command is
 * about to end on (the deadline, or SIGBUS), before it writes it to
 * stderr and exits: the last words for stdout (cli/json_doc.h). FN must
 * be async-signal-safe. NULL: none. */
void ns_guard_last_words(void (*fn)(const char *line));

/* The deadline, in seconds, that ns_guard_target_command sets for a
 * command whose waits are bounded by TIMEOUT. */
unsigned ns_guard_deadline(double timeout);
#endif
