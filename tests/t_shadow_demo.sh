# The shadow-variable demo (examples/demo/shadow-demo.sh, make demo-shadow)
# runs to its end: the demo server, under load, gets a fix that counts
# requests per live connection in a shadow variable; each connection
# opened before the apply counts on its own, a new connection starts at
# 1, the revert takes the command away and its post-revert hook frees
# the counters (applied again, the same connections count from 1), and
# the load sees no failure.
# timeout: 300
. "$TEST_LIB"

expect_exit 0 env NONSTOP="$NONSTOP" DEMO_OUT="$PWD/demo" \
	bash "$ROOT/examples/demo/shadow-demo.sh"
expect_stdout_match '\(per-thread mode\)'
expect_stdout_match '^conn 3< mine=4$'
expect_stdout_match 'post-revert.*forget_counters'
expect_stdout_match '^load client: requests=[0-9]+ failed=0 '
expect_stdout_match '^OK: 0 failed requests'
