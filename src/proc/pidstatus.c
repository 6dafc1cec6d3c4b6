/* pidstatus.c — one reader of /proc/PID/status (see pidstatus.h), for the
 * host-wide scan (a process's name and user) and the cause of a refused
 * ptrace (its ids, and nonstop's own capabilities). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proc/pidstatus.h"

int ns_pidstatus_read(pid_t pid, struct ns_pidstatus *out)
{
	char fn[64], line[256];
	int have = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	snprintf(fn, sizeof(fn), "/proc/%d/status", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return -1;
	while (have != 7 && fgets(line, sizeof(line), f)) {
		unsigned *id = !strncmp(line, "Uid:", 4) ? out->uid :
			       !strncmp(line, "Gid:", 4) ? out->gid : NULL;

		if (!strncmp(line, "Name:\t", 6)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out->name, sizeof(out->name), "%.16s", line + 6);
		} else if (id && sscanf(line + 4, "%u %u %u", &id[0], &id[1],
					&id[2]) == 3) {
			have |= id == out->uid ? 1 : 2;
		} else if (!strncmp(line, "CapEff:", 7) &&
			   sscanf(line + 7, "%llx", &out->cap_eff) == 1) {
			have |= 4;
		}
	}
	fclose(f);
	if (have != 7) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
