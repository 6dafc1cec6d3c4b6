# Shadow variables under concurrent use, stop-the-world: four threads of a
# program without libnonstop (but with a shadow root of its own: it
# includes nonstop.h) allocate, get and free shadow variables of shared
# and private objects at full speed in the patch's code, and check each
# (tests/cases/shadow_mt/v2/work.c): none is lost, none comes back after
# its free, none is another object's or another thread's; with the workers
# held, the whole table agrees with their counts. The patch refers to the
# program's root, and binds to it (no nonstop:shadow mapping). Applied and reverted under
# that load (tests/lib/shadow_mt.sh).
# timeout: 300
. "$TEST_LIB"

build_case shadow_mt
make_patch fix.nsp
start_target v1/prog
mt_scenario stop-the-world
