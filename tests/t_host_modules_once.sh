# apply --all-processes reads each module file once per job, not once per
# process: one job patching six processes of one program reads as many
# files as it does for one process (the program, libc, ld.so: "module_reads"
# in the JSON summary).
. "$TEST_LIB"
build_case host
expect_exit 0 "$NONSTOP" build --name "once-$$" -o fix.nsp --binary v1/prog v1 v2
mkdir out

host_start out/0 v1/prog out/0
expect_exit 0 "$NONSTOP" apply --all-processes --jobs 1 --user root --json fix.nsp
jq -e '.summary.applied == 1' last.out >/dev/null || fail "$(jq -c .summary last.out)"
one=$(jq .summary.module_reads last.out)
[ "$one" -ge 2 ] || fail "one process: $one module files read"
expect_exit 0 "$NONSTOP" revert --all-processes --user root --json "once-$$"
host_wait out/0 1

for i in 1 2 3 4 5; do host_start out/$i v1/prog out/$i; done
expect_exit 0 "$NONSTOP" apply --all-processes --jobs 1 --user root --json fix.nsp
jq -e '.summary.applied == 6' last.out >/dev/null || fail "$(jq -c .summary last.out)"
six=$(jq .summary.module_reads last.out)
[ "$six" = "$one" ] || fail "six processes, one job: $six module files read, $one for one process"
for i in 0 1 2 3 4 5; do host_wait out/$i 2; done
