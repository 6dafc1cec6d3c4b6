/* bpf.c — libpcap's classic-BPF interpreter (bpf.h), which judges a
 * target's seccomp filters (seccomp.c), opened with dlopen the first time
 * a process with a filter is met.
 *
 * Linked at build time, libpcap brought seven more libraries into every
 * nonstop command (D-Bus, systemd, gcrypt and theirs): 0.8 ms of CPU and a
 * third of the start-up of a command that, most often, never meets a
 * filter. The library is found by its soname, as the dynamic linker would
 * have found it at start. The two pointers are the one piece of state
 * kept for the whole process: they never change once set. */
#include <dlfcn.h>
#include <stddef.h>

#include "proc/bpf.h"

#define LIBPCAP "libpcap.so.0.8"

static u_int (*filter_fn)(const struct bpf_insn *, const u_char *, u_int, u_int);
static int (*validate_fn)(const struct bpf_insn *, int);

int ns_bpf_load(struct ns_err *err)
{
	void *h;

	if (filter_fn && validate_fn)
		return 0;
	h = dlopen(LIBPCAP, RTLD_NOW | RTLD_LOCAL);
	if (h) {
		filter_fn = (u_int (*)(const struct bpf_insn *, const u_char *,
				       u_int, u_int))dlsym(h, "bpf_filter");
		validate_fn = (int (*)(const struct bpf_insn *, int))
			dlsym(h, "bpf_validate");
	}
	if (filter_fn && validate_fn)
		return 0;
	ns_err_set(err, "cannot judge a seccomp filter without libpcap "
		   "(%s: %s)", LIBPCAP, dlerror());
	return -1;
}

u_int ns_bpf_filter(const struct bpf_insn *p, const u_char *buf, u_int wirelen,
		    u_int buflen)
{
	return filter_fn(p, buf, wirelen, buflen);
}

int ns_bpf_validate(const struct bpf_insn *p, int len)
{
	return validate_fn(p, len);
}
