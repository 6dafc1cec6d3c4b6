# The words of the messages: a single thread is "1 thread", not "1
# threads" (apply's pause, status's count); a refused ptrace names its
# real cause: a process of another user says whose it is, and Yama is
# named only when the kernel has it and it is what forbids.
. "$TEST_LIB"
build_case host
expect_exit 0 "$NONSTOP" build --name "msg-$$" -o fix.nsp --binary v1/prog v1 v2
chmod 755 . && chmod 644 fix.nsp
mkdir -m 777 out

host_start out/one v1/prog out/one
expect_exit 0 "$NONSTOP" apply "$HPID" fix.nsp
expect_stdout_match '^paused 1 thread for [0-9]+ us'
expect_exit 0 "$NONSTOP" status "$HPID"
expect_stdout_match "1 patch applied \(1 thread, all on the newest code\)"
expect_exit 0 "$NONSTOP" revert "$HPID"
expect_exit 0 "$NONSTOP" status "$HPID"
expect_stdout_match "no patches applied \(1 thread\)"

# Root's process, patched by another user: whose it is, and no word of
# Yama where the kernel has none.
as_user ns-msg
for cmd in "apply $HPID fix.nsp" "status $HPID"; do
	# shellcheck disable=SC2086 # the words of the command
	expect_exit 1 "${AS_USER[@]}" "$NONSTOP" $cmd
	expect_one_error_line
	expect_stderr_match "it runs as another user, root, uid 0: only that user or root may patch it"
	if [ ! -e /proc/sys/kernel/yama/ptrace_scope ]; then
		grep -q yama last.err && fail "names Yama, which this kernel does not have: $(cat last.err)"
	fi
done

# A process of that user, patched by it, where Yama says ancestors only:
# Yama is the cause.
if [ "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null)" = 1 ]; then
	host_start out/own "${AS_USER[@]}" v1/prog out/own
	own=$(pgrep -f "v1/prog out/own") || fail "no process of ns-msg"
	expect_exit 1 "${AS_USER[@]}" "$NONSTOP" apply "$own" fix.nsp
	expect_stderr_match "Yama allows only a process's ancestors"
fi
