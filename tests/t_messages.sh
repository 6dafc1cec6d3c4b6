# The words of the messages: a single thread is "1 thread", not "1
# threads" (apply's pause, status's count); a refused ptrace names its
# real cause: a process of another user says whose it is, one that made
# itself not dumpable says so, and Yama is named only when the kernel has
# it and it is what forbids.
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

# A process of that user that made itself not dumpable: only root may.
cat >nodump.c <<'C'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	FILE *f;

	prctl(PR_SET_DUMPABLE, 0);
	f = fopen(argv[1], "w");
	fputs("1\n", f);
	fclose(f);
	for (;;)
		pause();
}
C
gcc -o nodump nodump.c || fail "cannot build nodump"
host_start out/nodump "${AS_USER[@]}" ./nodump "$PWD/out/nodump"
nodump=$(pgrep -f "nodump $PWD/out/nodump") || fail "no nodump process"
expect_exit 1 "${AS_USER[@]}" "$NONSTOP" status "$nodump"
expect_stderr_match "it is not dumpable, being setuid or by prctl\(PR_SET_DUMPABLE, 0\): only root may patch it"

# A process of that user, patched by it, where Yama says ancestors only:
# Yama is the cause.
if [ "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null)" = 1 ]; then
	host_start out/own "${AS_USER[@]}" v1/prog out/own
	own=$(pgrep -f "v1/prog out/own") || fail "no process of ns-msg"
	expect_exit 1 "${AS_USER[@]}" "$NONSTOP" apply "$own" fix.nsp
	expect_stderr_match "Yama allows only a process's ancestors"
fi
