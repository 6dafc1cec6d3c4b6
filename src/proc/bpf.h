/* bpf.h — libpcap's classic-BPF interpreter, loaded when first needed. */
#ifndef NONSTOP_BPF_H
#define NONSTOP_BPF_H
#include <sys/types.h>   /* u_int, u_char: pcap/bpf.h needs them */
#include <pcap/bpf.h>

#include "util/err.h"

/* Loads libpcap, once per process. 0, or -1 with ERR. */
int ns_bpf_load(struct ns_err *err);

/* libpcap's bpf_filter() and bpf_validate(), after ns_bpf_load(). */
u_int ns_bpf_filter(const struct bpf_insn *p, const u_char *buf, u_int wirelen,
		    u_int buflen);
int ns_bpf_validate(const struct bpf_insn *p, int len);
#endif
