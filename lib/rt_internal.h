/* rt_internal.h — what the files of libnonstop share among themselves. */
#ifndef NONSTOP_RT_INTERNAL_H
#define NONSTOP_RT_INTERNAL_H
#include <stdint.h>

/* update_point.c: the thread registry. */
int ns_rt_registry_init(void);
void ns_rt_registry_after_fork(void);
int64_t ns_rt_view_tpoff(void);
uint64_t ns_rt_now_ns(void);
/* A thread created by the program registers at the target generation. */
void ns_rt_thread_start(void);

/* Waits mode (waits.c, NONSTOP_UPDATE_POINTS=waits). ns_rt_waits: 1 in
 * it. ns_rt_waits_init finds the C library's definitions and sets the
 * mode. Around a wrapped call: begin passes an update point and marks the
 * slot, end clears the mark and passes one again, errno kept
 * (update_point.c). A thread made exempt (the runtime thread) makes no
 * update point in its waits. */
extern int ns_rt_waits;
void ns_rt_waits_init(int on);
void ns_rt_wait_begin(uint32_t kind);
void ns_rt_wait_end(void);
void ns_rt_wait_exempt(void);

/* threads.c */
#include <pthread.h>
int ns_rt_real_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			      void *(*fn)(void *), void *arg);
void nonstop_update_point(void);
#endif
