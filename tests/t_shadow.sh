# Shadow variables (include/nonstop.h), stop-the-world: a program whose
# running version never included nonstop.h gets patch A, whose new code
# attaches a call counter to each of the program's items. The first apply
# creates the process's shadow root (one "nonstop:shadow" page); counters
# are per item and kept across calls; patch B, stacked on A (built on its
# result), carries on with A's counters; reverting keeps the root and the
# counters, which A applied again finds; free_all releases them (the heap
# shrinks). The steps: tests/lib/shadow.sh.
. "$TEST_LIB"

build_case shadow
build_version shadow v3 v2 v3
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v3/prog v2 v3
start_target v1/prog
shadow_scenario stop-the-world
