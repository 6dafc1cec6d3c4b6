/* ptrace_why.c — the cause of a refused ptrace (see ptrace_why.h).
 *
 * The kernel says EPERM (PTRACE_SEIZE) or EACCES (/proc/PID/mem) and no
 * more. Its rules (ptrace_may_access, then the security modules) are, in
 * order: a tracer with CAP_SYS_PTRACE passes the credential check; else
 * every uid and gid of the target must be the tracer's own, and the
 * target dumpable; then Yama, when the kernel has it, may forbid what
 * passed (ptrace_scope 1: only ancestors; 2: only CAP_SYS_PTRACE; 3: no
 * one). What we can see of each: our capabilities, the target's ids in
 * /proc/PID/status (the kernel writes them), its dumpability in the owner
 * of /proc/PID/mem (root when it is not dumpable; /proc/PID itself keeps
 * the process's owner), and
 * /proc/sys/kernel/yama/ptrace_scope. The first rule that explains the
 * refusal is named; none that is not there (a kernel without Yama is
 * never told to look at it). */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/capability.h>

#include "proc/pidstatus.h"
#include "proc/ptrace_why.h"

/* Whether this process has CAP_SYS_PTRACE in its effective set. */
static bool has_cap_ptrace(void)
{
	struct ns_pidstatus me;

	return ns_pidstatus_read(getpid(), &me) == 0 &&
	       ((me.cap_eff >> CAP_SYS_PTRACE) & 1);
}

/* Yama's ptrace_scope, or -1 when the kernel has no Yama. */
static int yama_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The first of ID[3] that is not MINE, or -1 when all are. */
static long other_id(const unsigned id[3], unsigned mine)
{
	for (int i = 0; i < 3; i++)
		if (id[i] != mine)
			return id[i];
	return -1;
}

/* "uid N (NAME)" for UID, into BUF. */
static void user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s, uid %u", res->pw_name, (unsigned)uid);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
}

void ns_ptrace_why(pid_t pid, int err, char *buf, size_t len)
{
	int cap, scope;
	/* The kernel compares the tracer's real ids (PTRACE_SEIZE; the
	 * memory file, its file-system ids: the same for nonstop, which is
	 * not set-id). */
	struct ns_pidstatus st;
	bool ids;
	long other;
	char fn[64], who[160];
	struct stat mem;

	buf[0] = 0;
	if (err != EPERM && err != EACCES)
		return;   /* not a refusal: nothing to explain */
	cap = has_cap_ptrace();
	scope = yama_scope();
	ids = ns_pidstatus_read(pid, &st) == 0;
	if (scope == 3) {
		snprintf(buf, len, " (Yama forbids every ptrace: "
			 "/proc/sys/kernel/yama/ptrace_scope is 3)");
		return;
	}
	if (!cap && ids && (other = other_id(st.uid, getuid())) >= 0) {
		user_name((uid_t)other, who, sizeof(who));
		snprintf(buf, len, " (it runs as another user, %s: only that "
			 "user or root may patch it)", who);
		return;
	}
	if (!cap && ids && (other = other_id(st.gid, getgid())) >= 0) {
		snprintf(buf, len, " (it runs with another group, gid %ld: only "
			 "root may patch it)", other);
		return;
	}
	snprintf(fn, sizeof(fn), "/proc/%d/mem", (int)pid);
	if (!cap && stat(fn, &mem) == 0 && mem.st_uid != getuid()) {
		snprintf(buf, len, " (it is not dumpable, being setuid or by "
			 "prctl(PR_SET_DUMPABLE, 0): only root may patch it)");
		return;
	}
	if (!cap && scope == 2) {
		snprintf(buf, len, " (Yama allows only CAP_SYS_PTRACE: "
			 "/proc/sys/kernel/yama/ptrace_scope is 2)");
		return;
	}
	if (!cap && scope == 1) {
		snprintf(buf, len, " (Yama allows only a process's ancestors: "
			 "/proc/sys/kernel/yama/ptrace_scope is 1; run nonstop "
			 "as root)");
		return;
	}
	snprintf(buf, len, " (the kernel does not let this user ptrace it: "
		 "a security module, such as AppArmor or SELinux, may forbid "
		 "it)");
}
