/* version.c — libnonstop's version, for programs and for the tool. */
#include "nonstop.h"

#define STR_(x) #x
#define STR(x) STR_(x)

__attribute__((visibility("default")))
const char *nonstop_version(void)
{
	return STR(NONSTOP_VERSION_MAJOR) "." STR(NONSTOP_VERSION_MINOR);
}
