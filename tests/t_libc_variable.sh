#!/bin/bash
# A patch whose code reads a variable of the C library the program has no
# copy of (stderr, in a PIE: gcc loads it with a PC-relative mov, counting
# on a copy relocation) cannot reach it from where the patch is mapped:
# apply refuses, naming the variable and how to build, and the process
# runs on, unchanged. (An older nonstop pointed the load at the far-call
# stub it makes for calls: value() then used the stub's code as a FILE *
# and the process died.)
. "$TEST_LIB"
build_case libc_variable --pie
make_patch fix.nsp
start_target v1/prog
expect_eq 1 "$(ask v)" "value()"
maps_nostack >before
expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "'stderr' is out of reach of the patch's PC-relative reference to it"
expect_stderr_match "Build with -fPIC or -mno-direct-extern-access"
maps_nostack >after
cmp -s before after || fail "the process's mappings changed: $(diff before after)"
expect_eq 1 "$(ask v)" "value() after the refused apply"
expect_alive
