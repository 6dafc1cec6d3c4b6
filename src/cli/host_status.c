/* host_status.c — `status --all-processes`: every process of this host
 * with nonstop in it (a patch's memory, or libnonstop), and what it runs,
 * as `status PID` prints it (cli/status.h). Read-only, one process after
 * the other: nothing is stopped. */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/host.h"
#include "cli/host_out.h"
#include "cli/status.h"
#include "host/scan.h"
#include "util/guard.h"

int ns_host_status(const struct ns_cli_opts *o)
{
	struct ns_host_filter f = { .by_uid = o->by_user, .uid = o->uid,
				    .exclude = o->exclude,
				    .nexclude = o->nexclude };
	struct ns_host_list l;
	struct ns_err err = { 0 };
	size_t failed = 0;

	if (ns_host_scan(&f, &l, &err) < 0)
		return ns_host_fail(o, "status", ns_err_msg(&err));
	if (o->json) {
		printf("{\"processes\":[");
		/* Elements one by one: a deadline that ends the command closes
		 * the array after the last whole one. */
		ns_json_doc_open_array();
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct ns_host_proc *p = &l.v[i];
		char why[512], esc[NS_ESC_SIZE(sizeof(why))];
		char comm[NS_ESC_SIZE(sizeof(p->comm))];

		/* Each process its own deadline, and what was printed out
		 * before the next (an element whole, with the comma before
		 * it): a slow one costs only its own line. */
		fflush(stdout);
		alarm(ns_guard_deadline(NS_STATUS_TIMEOUT));
		if (o->json)
			printf("%s", i ? "," : "");
		if (ns_status_pid(p->pid, o->json, why, sizeof(why)) == 0)
			continue;
		failed++;
		if (o->json) {
			printf("{\"pid\":%d,\"comm\":", (int)p->pid);
			ns_json_str(p->comm);
			printf(",\"error\":");
			ns_json_str(why);
			printf("}");
		} else {
			printf("process %d (%s): %s\n", (int)p->pid,
			       ns_esc(p->comm, comm, sizeof(comm)),
			       ns_esc(why, esc, sizeof(esc)));
		}
	}
	if (o->json) {
		printf("],\"unreadable\":%zu,\"failed\":%zu,\"ok\":true}\n",
		       l.unreadable, failed);
		ns_json_doc_end();
	}
	else if (!l.n)
		printf("no process on this host has nonstop in it\n");
	if (!o->json && l.unreadable)
		printf("%zu process%s not inspected: %s memory map is not "
		       "readable by this user\n", l.unreadable,
		       l.unreadable == 1 ? "" : "es",
		       l.unreadable == 1 ? "its" : "their");
	ns_host_list_free(&l);
	return NS_EXIT_OK;
}
