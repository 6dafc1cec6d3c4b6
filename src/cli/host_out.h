/* host_out.h — what a host-wide command found for each process, and how
 * it is printed: a line each and a summary, or one JSON document. */
#ifndef NONSTOP_CLI_HOST_OUT_H
#define NONSTOP_CLI_HOST_OUT_H
#include <stdbool.h>
#include <stdint.h>

#include "cli/opts.h"
#include "host/scan.h"
#include "registry/record.h"
#include "util/err.h"

enum ns_host_outcome {
	NS_OUT_DONE = 1,        /* applied, or reverted */
	NS_OUT_ALREADY,         /* apply: applied already */
	NS_OUT_NOT_APPLIED,     /* revert: nothing (or not NAME) to revert */
	NS_OUT_OTHER,           /* apply: another version of the module */
	NS_OUT_NOT_PERMITTED,   /* the kernel does not let us ptrace it */
	NS_OUT_EXITED,          /* it exited meanwhile */
	NS_OUT_REFUSED,         /* the operation refused (left as it was) */
	NS_OUT_FAILED,          /* its job died (deadline, killed) */
};

/* What a job sends back: fixed size, well under PIPE_BUF. */
struct ns_host_rec {
	uint32_t job;
	int32_t  rc;
	int32_t  outcome;       /* enum ns_host_outcome */
	int32_t  mode;          /* enum ns_rec_mode */
	uint32_t attempts;
	uint32_t threads;
	uint64_t nfuncs;
	uint64_t pause_ns;
	uint32_t module_reads;  /* module files the job read for it, not
				   kept from an earlier process */
	char     name[NS_NAME_MAX];   /* the patch */
	char     msg[NS_ERR_MAX];     /* why (not done), or a warning (done) */
};

struct ns_host_out {
	const struct ns_host_proc *proc;
	bool have;
	struct ns_host_rec rec;
};

struct ns_op_result;
struct ns_patch;

/* REC from what ns_apply or ns_revert returned (RC) and left in RES;
 * GONE: the process no longer exists. */
void ns_host_rec_fill(struct ns_host_rec *rec, int rc,
		      const struct ns_op_result *res, bool gone);

/* Prints the outcome of CMD ("apply", with PATCH; or "revert", with NAME
 * or NULL) over the N processes OUT, UNREADABLE more not inspected, with
 * JOBS jobs, in WALL_NS. Returns the exit code: 0 if each process took it
 * (or had it, or exited). */
int ns_host_print(const struct ns_cli_opts *o, const char *cmd,
		  const struct ns_patch *patch, const char *name,
		  const struct ns_host_out *out, size_t n, size_t unreadable,
		  unsigned jobs, uint64_t wall_ns);

/* A failure before any process was touched: one line on stderr, and with
 * --json one document on stdout. NS_EXIT_FAIL. */
int ns_host_fail(const struct ns_cli_opts *o, const char *cmd, const char *msg);
#endif
