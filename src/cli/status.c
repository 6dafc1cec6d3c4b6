/* status.c — `nonstop status`: what is applied to a process, read from the
 * records nonstop keeps inside it. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "proc/mem.h"
#include "registry/registry.h"

static void help(void)
{
	printf("usage: nonstop status [--json] PID\n\n"
	       "Lists the patches applied to the running process PID, in the order\n"
	       "they were applied, with the functions each redirects, and which\n"
	       "threads still run old code (in stop-the-world mode every thread\n"
	       "switches at once, so none does once a patch is applied).\n\n"
	       "exit: 0 listed (possibly nothing); 1 no such process or not\n"
	       "permitted; 2 usage error\n");
}

static size_t count_threads(int pid)
{
	char fn[64];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(fn, sizeof(fn), "/proc/%d/task", pid);
	d = opendir(fn);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void print_text(int pid, const struct ns_registry *reg, size_t threads)
{
	if (reg->n == 0) {
		printf("process %d: no patches applied (%zu threads)\n", pid, threads);
		return;
	}
	printf("process %d: %zu patch%s applied (%zu threads, all on the newest "
	       "code)\n", pid, reg->n, reg->n == 1 ? "" : "es", threads);
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		char when[64];
		time_t t = (time_t)r->applied_at;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 localtime(&t));
		printf("  %llu. %s  [%s, since %s, code at 0x%llx]\n",
		       (unsigned long long)r->seq, r->name,
		       ns_rec_state_name(r->state), when,
		       (unsigned long long)r->code_start);
		for (uint32_t f = 0; f < r->nfuncs; f++)
			printf("       %s  0x%llx -> 0x%llx\n", r->funcs[f].name,
			       (unsigned long long)r->funcs[f].old_addr,
			       (unsigned long long)r->funcs[f].new_addr);
		if (r->eh_frame)
			printf("       unwind info: %llu bytes at 0x%llx, %u "
			       "function%s; with libgcc: %s\n",
			       (unsigned long long)r->eh_frame_size,
			       (unsigned long long)r->eh_frame, r->nsyms,
			       r->nsyms == 1 ? "" : "s",
			       r->frames == NS_FRAMES_NONE ? "not registered" :
			       ns_rec_frames_name(r->frames));
		else
			printf("       unwind info: none\n");
	}
}

static void print_json(int pid, const struct ns_registry *reg, size_t threads)
{
	printf("{\"pid\":%d,\"mode\":\"stop-the-world\",\"threads\":%zu,"
	       "\"threads_on_old_code\":[],\"patches\":[", pid, threads);
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		printf("%s{\"name\":", i ? "," : "");
		ns_json_str(r->name);
		printf(",\"seq\":%llu,\"state\":\"%s\","
		       "\"applied_at\":%llu,\"functions\":[",
		       (unsigned long long)r->seq,
		       ns_rec_state_name(r->state),
		       (unsigned long long)r->applied_at);
		for (uint32_t f = 0; f < r->nfuncs; f++) {
			printf("%s{\"name\":", f ? "," : "");
			ns_json_str(r->funcs[f].name);
			printf(",\"old\":\"0x%llx\",\"new\":\"0x%llx\"}",
			       (unsigned long long)r->funcs[f].old_addr,
			       (unsigned long long)r->funcs[f].new_addr);
		}
		printf("],\"unwind\":");
		if (r->eh_frame)
			printf("{\"eh_frame\":\"0x%llx\",\"size\":%llu,"
			       "\"functions\":%u,\"libgcc\":\"%s\"}",
			       (unsigned long long)r->eh_frame,
			       (unsigned long long)r->eh_frame_size, r->nsyms,
			       ns_rec_frames_name(r->frames));
		else
			printf("null");
		printf("}");
	}
	printf("]}\n");
}

int cmd_status(int argc, char **argv)
{
	struct ns_cli_opts o;
	struct ns_registry reg;
	int rc = ns_cli_parse("status", argc, argv, false, &o);
	int pid, fd;

	if (rc)
		return rc;
	if (o.help) {
		help();
		return NS_EXIT_OK;
	}
	if (o.nargs != 1)
		return ns_usage_error("status", "expects PID");
	pid = ns_parse_pid(o.args[0]);
	if (!pid)
		return ns_usage_error("status", "'%s' is not a process id",
				      o.args[0]);
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return ns_fail("status", "no process %d", pid);
	fd = ns_mem_open(pid);
	if (fd < 0)
		return ns_fail("status", "cannot read process %d: %s", pid,
			       strerror(errno));
	if (ns_registry_read(pid, fd, &reg) < 0) {
		close(fd);
		return ns_fail("status", "cannot read the registry of process "
			       "%d: %s", pid, strerror(errno));
	}
	close(fd);
	if (o.json)
		print_json(pid, &reg, count_threads(pid));
	else
		print_text(pid, &reg, count_threads(pid));
	ns_registry_free(&reg);
	return NS_EXIT_OK;
}
