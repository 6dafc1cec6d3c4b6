#!/bin/bash
# Fails, then kills, nonstop at every step of an apply and of a revert of
# a patch with hooks, in stop-the-world mode (NONSTOP_FAULT_AT, with and
# without NONSTOP_FAULT_KILL; src/util/fault.h), against the hooks case,
# whose four hooks count their runs in the target. After each run and
# after the next commands cleaned up (tests/lib/hooks.sh,
# hooks_faults):
#   - the target runs, no thread stopped or traced, one version of the
#     code, and `status` agrees; once cleaned up, no patch memory or
#     descriptor of nonstop's is left;
#   - no hook ran twice for one application: an apply runs pre-apply and
#     post-apply at most once each, a revert or a sweep neither;
#   - the pairs balance: with the patch applied, pre-apply ran once more
#     than post-revert, post-apply at most once more than pre-revert (a
#     post-apply hook that a killed nonstop never started is not run
#     later, and neither is its pair); with the patch gone, post-revert
#     ran as often as pre-apply (a due post-revert hook runs at the next
#     command's sweep), pre-revert as often as post-apply.
# timeout: 900
. "$TEST_LIB"

build_case hooks
make_patch fix.nsp
start_target v1/prog
hooks_faults 30 25
