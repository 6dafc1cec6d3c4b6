/* threads.c — threads the program creates start on the newest code.
 *
 * libnonstop interposes pthread_create: the new thread takes a slot and
 * the target generation before it runs any code of the program's. It has
 * no frame of old code (it has none at all), so this is as safe as an
 * update point, and it means that once every thread has switched, no
 * thread can appear that runs the old code — which is what lets the
 * dispatchers be retired (transition/perthread.h in the tool). A thread
 * created by other means (a raw clone) runs the code the program started
 * with until its first update point. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "rt_internal.h"

struct start {
	void *(*fn)(void *);
	void *arg;
};

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
			 void *(*)(void *), void *);

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;

	free(p);
	ns_rt_thread_start();
	return s.fn(s.arg);
}

/* The C library's pthread_create (the one this interposes). */
int ns_rt_real_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			      void *(*fn)(void *), void *arg)
{
	static create_fn real;

	if (!real)
		real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (!real)
		return EAGAIN;
	return real(t, attr, fn, arg);
}

__attribute__((visibility("default")))
int pthread_create(pthread_t *t, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	struct start *s = malloc(sizeof(*s));
	int rc;

	if (!s)
		return EAGAIN;
	s->fn = fn;
	s->arg = arg;
	rc = ns_rt_real_pthread_create(t, attr, trampoline, s);
	if (rc)
		free(s);
	return rc;
}
