/* libc_locks.c — what the C library's functions may lock, for the
 * analysis of a hook's code (hook_locks.c): the functions a hook may call
 * and where nonstop knows, from glibc's sources, which of the classes of
 * patch.h (enum ns_lock_class) each can take.
 *
 * A function is here only when that is known for all of its paths: none
 * for the string and memory functions, the syscall wrappers (the kernel
 * holds no lock of the process across them) and libgcc's arithmetic;
 * malloc's for the allocator; the string formatters (snprintf ...) build
 * their output in a stream of their own that they never lock, but may
 * allocate (a long conversion, positional arguments) and translate (%m,
 * wide characters); the stdio functions lock their FILE too. A function
 * not here may take any lock (NS_LOCKS_UNKNOWN): pthread_mutex_lock,
 * syslog, dlopen, anything of another library. The table is glibc's: a
 * program that brings its own malloc (jemalloc, an LD_PRELOAD) is judged
 * as if it had glibc's (docs/hooks.md). */
#include <string.h>

#include "gen/hook_locks.h"

#define M  NS_LOCK_MALLOC
/* The formatters and strerror may also load a gconv module (%ls, a
 * translation in a non-UTF-8 locale): the loader's lock. */
#define ML (NS_LOCK_MALLOC | NS_LOCK_LOCALE | NS_LOCK_OTHER)
#define SM (NS_LOCK_STDIO | ML)

struct known {
	const char *name;
	uint32_t    locks;
};

static const struct known known[] = {
	/* memory and strings: no lock */
	{ "memcpy", 0 }, { "memmove", 0 }, { "memset", 0 }, { "memcmp", 0 },
	{ "memchr", 0 }, { "memrchr", 0 }, { "rawmemchr", 0 }, { "mempcpy", 0 },
	{ "memccpy", 0 }, { "bcmp", 0 }, { "bcopy", 0 }, { "bzero", 0 },
	{ "explicit_bzero", 0 }, { "strlen", 0 }, { "strnlen", 0 },
	{ "strcmp", 0 }, { "strncmp", 0 }, { "strcpy", 0 }, { "strncpy", 0 },
	{ "stpcpy", 0 }, { "stpncpy", 0 }, { "strcat", 0 }, { "strncat", 0 },
	{ "strchr", 0 }, { "strrchr", 0 }, { "strchrnul", 0 }, { "strstr", 0 },
	{ "strspn", 0 }, { "strcspn", 0 }, { "strpbrk", 0 }, { "strsep", 0 },
	{ "strtok_r", 0 }, { "strcasecmp", 0 }, { "strncasecmp", 0 },
	{ "__memcpy_chk", 0 }, { "__memmove_chk", 0 }, { "__memset_chk", 0 },
	{ "__mempcpy_chk", 0 }, { "__strcpy_chk", 0 }, { "__stpcpy_chk", 0 },
	{ "__strncpy_chk", 0 }, { "__stpncpy_chk", 0 }, { "__strcat_chk", 0 },
	{ "__strncat_chk", 0 }, { "__explicit_bzero_chk", 0 },
	/* numbers and characters (the locale's tables are read, not locked) */
	{ "abs", 0 }, { "labs", 0 }, { "llabs", 0 }, { "div", 0 }, { "ldiv", 0 },
	{ "strtol", 0 }, { "strtoul", 0 }, { "strtoll", 0 }, { "strtoull", 0 },
	{ "strtoimax", 0 }, { "strtoumax", 0 }, { "atoi", 0 }, { "atol", 0 },
	{ "atoll", 0 }, { "__ctype_b_loc", 0 }, { "__ctype_tolower_loc", 0 },
	{ "__ctype_toupper_loc", 0 }, { "tolower", 0 }, { "toupper", 0 },
	{ "sqrt", 0 }, { "floor", 0 }, { "ceil", 0 }, { "fabs", 0 },
	{ "__udivti3", 0 }, { "__umodti3", 0 }, { "__divti3", 0 },
	{ "__modti3", 0 }, { "__popcountdi2", 0 },
	/* the thread, its errno; a failed stack check (which ends the process) */
	{ "__errno_location", 0 }, { "pthread_self", 0 }, { "pthread_equal", 0 },
	{ "pthread_getspecific", 0 }, { "__stack_chk_fail", 0 },
	/* system calls: the kernel holds no lock of the process across them */
	{ "syscall", 0 }, { "getpid", 0 }, { "gettid", 0 }, { "getppid", 0 },
	{ "getuid", 0 }, { "geteuid", 0 }, { "getgid", 0 }, { "getegid", 0 },
	{ "clock_gettime", 0 }, { "clock_getres", 0 }, { "gettimeofday", 0 },
	{ "time", 0 }, { "read", 0 }, { "write", 0 }, { "pread", 0 },
	{ "pwrite", 0 }, { "pread64", 0 }, { "pwrite64", 0 }, { "readv", 0 },
	{ "writev", 0 }, { "close", 0 }, { "lseek", 0 }, { "lseek64", 0 },
	{ "fsync", 0 }, { "fdatasync", 0 }, { "kill", 0 }, { "tgkill", 0 },
	{ "sched_yield", 0 }, { "nanosleep", 0 }, { "clock_nanosleep", 0 },
	{ "usleep", 0 },
	/* the allocator */
	{ "malloc", M }, { "free", M }, { "calloc", M }, { "realloc", M },
	{ "reallocarray", M }, { "posix_memalign", M }, { "aligned_alloc", M },
	{ "memalign", M }, { "strdup", M }, { "strndup", M }, { "__strdup", M },
	{ "__strndup", M },
	/* formatting into memory: a stream of their own, never locked */
	{ "snprintf", ML }, { "vsnprintf", ML }, { "sprintf", ML },
	{ "vsprintf", ML }, { "asprintf", ML }, { "vasprintf", ML },
	{ "__snprintf_chk", ML }, { "__vsnprintf_chk", ML },
	{ "__sprintf_chk", ML }, { "__vsprintf_chk", ML },
	{ "__asprintf_chk", ML }, { "__vasprintf_chk", ML },
	{ "sscanf", ML }, { "__isoc99_sscanf", ML },
	{ "strerror", ML }, { "strerror_r", ML }, { "__xpg_strerror_r", ML },
	{ "strsignal", ML },
	/* stdio: a FILE's lock */
	{ "printf", SM }, { "fprintf", SM }, { "vprintf", SM }, { "vfprintf", SM },
	{ "__printf_chk", SM }, { "__fprintf_chk", SM }, { "__vprintf_chk", SM },
	{ "__vfprintf_chk", SM }, { "puts", SM }, { "fputs", SM },
	{ "fputc", SM }, { "putc", SM }, { "putchar", SM }, { "_IO_putc", SM },
	{ "fwrite", SM }, { "fflush", SM }, { "fgets", SM }, { "fgetc", SM },
	{ "getc", SM }, { "getchar", SM }, { "getline", SM }, { "getdelim", SM },
	{ "fopen", SM }, { "fopen64", SM }, { "fdopen", SM }, { "fclose", SM },
	{ "perror", SM }, { "__assert_fail", SM },
	/* a stream of their own, but linked into stdio's list of them */
	{ "dprintf", SM }, { "vdprintf", SM }, { "__dprintf_chk", SM },
	{ "__vdprintf_chk", SM },
};

uint32_t gen_libc_locks(const char *name, bool *found)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (!strcmp(known[i].name, name)) {
			*found = true;
			return known[i].locks;
		}
	*found = false;
	return NS_LOCKS_UNKNOWN;
}
