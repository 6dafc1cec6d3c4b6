# Shadow variables under concurrent use in the per-thread mode: the
# scenario of t_shadow_mt (tests/lib/shadow_mt.sh) on the same
# program linked with libnonstop: the workers switch to the patch's code
# each at its own update point, while the others still run v1.
# timeout: 300
. "$TEST_LIB"

build_case shadow_mt --libnonstop
make_patch fix.nsp
start_target v1/prog
mt_scenario per-thread
