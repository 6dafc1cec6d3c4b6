# Shadow variables in the per-thread mode: the scenario of t_shadow
# (tests/lib/shadow.sh) on the same program linked with
# libnonstop. nonstop creates the shadow root with a system call run by
# libnonstop's own thread, the only one it stops.
. "$TEST_LIB"

build_case shadow --libnonstop
build_version --libnonstop shadow v3 v2 v3
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v3/prog v2 v3
start_target v1/prog
shadow_scenario per-thread
