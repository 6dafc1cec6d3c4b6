/* A hostile target: it passes for a process running libnonstop by
 * defining a control block of its own (nonstop__rt, lib/nonstop_rt.h),
 * and can forge a per-thread patch record (registry/registry.h), so that
 * nonstop, run by root, takes the thread id it names. Commands, one a line:
 *   ping          -> pong
 *   call N        -> compute(N)
 *   forge TID     -> "forged": the control block names thread TID as
 *                    libnonstop's own thread (any process's, as the
 *                    attacker likes)
 *   forge-rec     -> "forged-rec": maps a memfd named "nonstop:evil" whose
 *                    first bytes are a per-thread record, applied
 * Built with -I src -I lib of the nonstop tree (the real layouts). */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "nonstop_rt.h"
#include "registry/registry.h"

int compute(int x);

/* What nonstop looks for: a global object of this name, in .symtab. */
struct ns_rt nonstop__rt;

/* Its executor and thread slots, so that the block is right in every
 * field but the thread it names. */
static struct ns_rt_chunk slots __attribute__((aligned(64)));

int nonstop__rt_exec(const struct ns_rt_plan *plan)
{
	(void)plan;
	return 0;
}

static void forge_rt(uint32_t tid)
{
	nonstop__rt.abi = NS_RT_ABI;
	nonstop__rt.tid = tid;
	nonstop__rt.view_tpoff = -8;
	nonstop__rt.chunks = (uint64_t)(uintptr_t)&slots;
	nonstop__rt.exec = (uint64_t)(uintptr_t)nonstop__rt_exec;
	nonstop__rt.magic = NS_RT_MAGIC;
}

static int forge_record(void)
{
	size_t size = 2 * 4096;
	int fd = memfd_create("nonstop:evil", 0);
	struct ns_rec *rec;

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	rec = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (rec == MAP_FAILED)
		return -1;
	memcpy(rec->magic, NS_REC_MAGIC, 8);
	rec->state = NS_REC_APPLIED;
	rec->mode = NS_MODE_PER_THREAD;
	rec->seq = 1;
	rec->patch_id = 42;
	rec->base = (uint64_t)(uintptr_t)rec;
	rec->size = size;
	rec->applied_at = (uint64_t)time(NULL);
	snprintf(rec->name, sizeof(rec->name), "evil");
	return 0;
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if ((arg = FIXTURE_ARG(line, "forge "))) {
		forge_rt((uint32_t)atoi(arg));
		return printf("forged\n");
	}
	if (!strcmp(line, "forge-rec"))
		return printf(forge_record() ? "failed\n" : "forged-rec\n");
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
