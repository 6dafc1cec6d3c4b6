# apply reports how long the process was paused: "paused N threads for X us".
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
start_target v1/prog
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_stdout_match 'paused [0-9]+ threads? for [0-9]+(\.[0-9]+)? us'
