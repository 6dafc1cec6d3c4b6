/* host.h — the host-wide forms of apply, revert and status
 * (`--all-processes`): every process of this host the command concerns,
 * found by host/scan.h, each handled as the one-process command would
 * handle it, in parallel (host/jobs.h), one line (or JSON record) each and
 * a summary. */
#ifndef NONSTOP_CLI_HOST_H
#define NONSTOP_CLI_HOST_H
#include "cli/opts.h"

/* apply --all-processes PATCH (O->args[0]). An exit code. */
int ns_host_apply(const struct ns_cli_opts *o);
/* revert --all-processes [NAME]. An exit code. */
int ns_host_revert(const struct ns_cli_opts *o);
/* status --all-processes. An exit code. */
int ns_host_status(const struct ns_cli_opts *o);
#endif
