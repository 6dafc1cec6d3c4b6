# Data shapes (docs/data-shapes.md, shape 2): a bit-field moves in a struct
# that lives in heap objects (tests/cases/data_shape_bitfield: jobs on a
# list, priority widened from two bits to three, which moves 'done' up one
# bit).
# - The fix as naturally written (v2) is not refused: the struct is reached
#   only through pointers, which nonstop cannot follow into live memory.
#   build warns, naming the type and the moved field. Applied, the new
#   code reads the live jobs with the new layout: a job of priority 2, done,
#   reads as priority 6, not done; and what it writes reads wrong once
#   reverted. This part pins that down.
# - v3 keeps v1's layout and puts the wider priority in a shadow variable:
#   the live jobs read as they were, new jobs take priorities up to 7,
#   revert leaves the old code a priority saturated at 3, and the
#   post-revert hook frees the shadow variables.
# - v4 is v2 as it is, with a transformer of the list head that rewrites
#   every live job in place during the pause (the struct keeps its size),
#   and an untransformer that rewrites them back.
. "$TEST_LIB"

build_case data_shape_bitfield
build_version data_shape_bitfield v3 v3
build_version data_shape_bitfield v4 v4

# three_jobs: a v1 target with job 1 (prio 2, done) and job 2 (prio 3).
three_jobs() {
	start_target v1/prog
	expect_eq 1 "$(ask add alpha 2)"
	expect_eq 2 "$(ask add beta 3)"
	expect_eq 0 "$(ask done 1)"
	expect_eq -1 "$(ask add gamma 6)" "v1 refuses priority 6"
	expect_eq "1 alpha prio=2 done=1" "$(ask show 1)"
	expect_eq "2 beta prio=3 done=0" "$(ask show 2)"
}

note "--- the fix as naturally written: built and applied, the live jobs misread"
expect_exit 0 "$NONSTOP" build -o naive.nsp --binary v1/prog v1 v2
expect_stdout_match "^wrote naive\.nsp: 3 functions replaced, 0 added, 0 variables added$"
expect_stderr_match "^nonstop build: warning: type 'struct job' changed its layout in jobs\.c: field 'prio' changed width from 2 to 3 bits; live objects of it that no variable holds \(in the heap, behind pointers\) are not checked"
three_jobs
expect_exit 0 "$NONSTOP" apply "$TPID" naive.nsp
expect_eq "1 alpha prio=6 done=0" "$(ask show 1)" "job 1 read with v2's layout"
expect_eq 0 "$(ask done 2)"
expect_eq "2 beta prio=3 done=1" "$(ask show 2)"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq "1 alpha prio=2 done=1" "$(ask show 1)" "job 1 untouched"
expect_eq "2 beta prio=3 done=0" "$(ask show 2)" "v2's 'done' is a bit v1 does not read"
stop_target

note "--- v1's layout kept, the wider priority in a shadow variable"
make_patch shadow.nsp v1 v3
expect_exit 0 "$NONSTOP" show shadow.nsp
expect_stdout_match "^  post-revert +drop_prios +\[patch\]$"
three_jobs
expect_exit 0 "$NONSTOP" apply "$TPID" shadow.nsp
expect_alive
expect_eq "1 alpha prio=2 done=1" "$(ask show 1)" "job 1 after apply"
expect_eq "2 beta prio=3 done=0" "$(ask show 2)" "job 2 after apply"
expect_eq 3 "$(ask add gamma 6)" "v2 takes priority 6"
expect_eq 4 "$(ask add delta 1)"
expect_eq "3 gamma prio=6 done=0" "$(ask show 3)"
expect_eq "4 delta prio=1 done=0" "$(ask show 4)"
expect_eq 0 "$(ask done 3)"
expect_eq 0 "$(ask done 2)"
expect_eq "3 gamma prio=6 done=1" "$(ask show 3)"
expect_eq "2 beta prio=3 done=1" "$(ask show 2)"
grep -q 'nonstop:shadow' "/proc/$TPID/maps" || fail "no shadow root in the process"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "post-revert hook 'drop_prios' returned 0"
expect_alive
expect_eq "1 alpha prio=2 done=1" "$(ask show 1)" "job 1 after revert"
expect_eq "2 beta prio=3 done=1" "$(ask show 2)" "done, as v2 marked it"
expect_eq "3 gamma prio=3 done=1" "$(ask show 3)" "v2's job, its priority saturated for v1"
expect_eq -1 "$(ask add epsilon 6)" "v1 again"
# Applied again: the shadow variables went with the revert.
expect_exit 0 "$NONSTOP" apply "$TPID" shadow.nsp
expect_eq "3 gamma prio=3 done=1" "$(ask show 3)" "no shadow priority left from before"
expect_eq 0 "$(ask del 3)"
expect_eq 3 "$(ask jobs)"
stop_target

note "--- v2's layout, the live jobs rewritten by a transformer of their list"
make_patch relayout.nsp v1 v4
[ ! -s last.err ] || fail "build of v4, whose transformer moves the jobs, warned: $(cat last.err)"
expect_exit 0 "$NONSTOP" show relayout.nsp
expect_stdout_match "transformed data jobs .*state transformer, live size 8"
expect_stdout_match "transformer +jobs by jobs_relayout\(\)"
expect_stdout_match "replace +job_count .*uses transformed data"
three_jobs
expect_exit 0 "$NONSTOP" apply "$TPID" relayout.nsp
expect_stdout_match "1 variable moved into the patch by its state transformers"
expect_alive
expect_eq "1 alpha prio=2 done=1" "$(ask show 1)" "job 1 after apply"
expect_eq "2 beta prio=3 done=0" "$(ask show 2)" "job 2 after apply"
expect_eq 3 "$(ask add gamma 6)" "v2 takes priority 6"
expect_eq "3 gamma prio=6 done=0" "$(ask show 3)"
expect_eq 0 "$(ask done 2)"
expect_eq "2 beta prio=3 done=1" "$(ask show 2)"
expect_eq 3 "$(ask jobs)"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "state put back into 1 variable by the patch's untransformers"
expect_alive
expect_eq "1 alpha prio=2 done=1" "$(ask show 1)" "job 1 after revert"
expect_eq "2 beta prio=3 done=1" "$(ask show 2)" "done, as v2 marked it"
expect_eq "3 gamma prio=3 done=0" "$(ask show 3)" "v2's job, its priority saturated for v1"
expect_eq 3 "$(ask jobs)"
expect_eq -1 "$(ask add epsilon 6)" "v1 again"
