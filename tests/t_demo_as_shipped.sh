# The demo server as a program ships (issue 13, point 5): built without one
# update point (compiled out: -DNONSTOP_NO_UPDATE_POINTS) and without
# libnonstop linked, started with LD_PRELOAD=libnonstop.so and
# NONSTOP_UPDATE_POINTS=waits. make demo's whole run against it
# (examples/demo/demo.sh, DEMO_AS_SHIPPED=1): under load, the fix applied in
# the per-thread mode — no thread paused — and reverted, the request counter
# going on, zero failed requests.
# timeout: 300
. "$TEST_LIB"

out=$PWD/demo
DEMO_AS_SHIPPED=1 DEMO_OUT=$out DEMO_LOAD_SECONDS=60 NONSTOP=$NONSTOP \
	bash "$ROOT/examples/demo/demo.sh" >demo.log 2>&1 || {
	tail -n 40 demo.log
	fail "the demo failed as shipped"
}
note "$(grep -E '^(load client|apply|revert):' demo.log)"
grep -q 'OK: 0 failed requests' demo.log || fail "the demo did not end with 0 failed requests"
grep -q 'per-thread mode' demo.log || fail "apply did not use the per-thread mode"
grep -qE 'paused [0-9]+ threads? for' demo.log && fail "a thread was paused (stop-the-world)"
grep -qE '^apply: +[0-9]+ threads? switched' demo.log || fail "apply: no per-thread switch reported"
readelf -d "$out/v1/server" | grep -q libnonstop && fail "the server links libnonstop"
nm "$out/v1/server" | grep -q nonstop_update_point && fail "the server calls nonstop_update_point"
true
