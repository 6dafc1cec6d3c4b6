/* scan.h — the processes of this host a host-wide command acts on
 * (`apply|revert|status --all-processes`), found by reading /proc.
 *
 * A process is found by what it maps, never by its name: for apply, the
 * module the patch is for, matched by the build-id in the file the
 * kernel mapped (/proc/PID/map_files, so a process in a container or
 * another mount namespace is found too, and a renamed or replaced file
 * is judged by what runs); for revert and status, nonstop's own memory
 * (a patch: "/memfd:nonstop:...") or libnonstop. A process that maps a
 * module of the same file name with another build-id is listed as
 * another version of it, to be reported as skipped. Everything read is
 * the target's (hostile): bounded, and a file is opened the way
 * proc/mapfile.h opens it. */
#ifndef NONSTOP_HOST_SCAN_H
#define NONSTOP_HOST_SCAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

#define NS_HOST_ID_MAX 64    /* bytes of a build-id */

enum ns_host_kind {
	NS_HOST_MATCH = 1,   /* maps the module (apply) or nonstop's memory */
	NS_HOST_OTHER = 2,   /* maps a module of that name, another build-id */
	NS_HOST_UNJUDGED = 3, /* (internal) a module file could not be read */
};

struct ns_host_proc {
	pid_t    pid;
	uid_t    uid;                       /* effective */
	uint64_t start;                     /* its start time (clock ticks
					       after boot): the process, not
					       its PID, which may be reused */
	char     comm[17];                  /* the process's own name: escape it */
	int      kind;                      /* enum ns_host_kind */
	uint8_t  other_id[NS_HOST_ID_MAX];  /* NS_HOST_OTHER: its build-id */
	size_t   other_id_len;
};

struct ns_host_filter {
	/* apply: the module; NULL for the processes nonstop is in */
	const uint8_t *build_id;
	size_t         build_id_len;
	const char    *name;            /* the module's file name (the patch's) */
	bool           by_uid;          /* --user */
	uid_t          uid;
	const pid_t   *exclude;         /* --exclude */
	size_t         nexclude;
};

struct ns_host_list {
	struct ns_host_proc *v;
	size_t n;
	size_t unreadable;   /* processes that could not be judged: their map,
				or a file a module of theirs maps, could not
				be read (not permitted: another user's) */
};

/* Every process of this host but nonstop itself that F selects, in PID
 * order. 0, or -1 with ERR (/proc unreadable, out of memory). */
int ns_host_scan(const struct ns_host_filter *f, struct ns_host_list *out,
		 struct ns_err *err);
void ns_host_list_free(struct ns_host_list *l);

/* The start time of PID (field 22 of /proc/PID/stat), or 0 if it is gone
 * or cannot be read. */
uint64_t ns_host_start_time(pid_t pid);
#endif
