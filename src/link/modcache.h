/* modcache.h — the ELF files of modules, kept open across the processes
 * that one nonstop process works on in turn (a job of apply
 * --all-processes): the program and libc every process maps are opened
 * and parsed once per job, not once per process. */
#ifndef NONSTOP_LINK_MODCACHE_H
#define NONSTOP_LINK_MODCACHE_H
#include <stdbool.h>
#include <libelf.h>

/* From now on, this process keeps the modules it opens (ns_target_open);
 * until then, and in a single apply, nothing is kept. */
void ns_modcache_enable(void);

/* *FD is a module's file just opened through the kernel
 * (proc/mapfile.h). If a file of the same identity is kept, *FD is closed
 * and replaced by the kept descriptor, *ELF set to the kept handle, both
 * borrowed (never closed by the caller): true. Else false: the caller
 * reads the file itself, and may hand it over with ns_modcache_keep. */
bool ns_modcache_find(int *fd, Elf **elf);

/* How many module files this process has read itself so far (not found
 * kept): what a job reports, to show that it reads each file once. */
unsigned ns_modcache_reads(void);

/* Keeps FD and ELF, a module the caller opened and checked: true if they
 * are kept (they are the cache's from now on), false if not (not enabled,
 * or full). */
bool ns_modcache_keep(int fd, Elf *elf);
#endif
