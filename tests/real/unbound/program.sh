# tests/real/unbound/program.sh — unbound in the real-world harness (sourced
# by tests/real/series.sh): the recursive resolver patched live while it
# resolves through a second unbound that serves a zone.
#
# The source: unbound 1.17.1-2+deb12u4 (Debian 12), pristine upstream with
# Debian's own patches of the version bookworm was released with
# (1.17.1-2, up to do-not-look-at-pidfile.patch); the series is every later
# patch (point releases and security updates). Built with its own
# ./configure --with-libevent --disable-shared and `make unbound`: the
# daemon alone, from one set of objects (with shared libraries on, libtool
# compiles every file twice, into X.o and .libs/X.o, and links the daemon
# from the second set; see docs/REALWORLD.md).
#
# Two processes of the same binary: the authority (not patched) serves
# example.test from tests/real/unbound/example.test.zone (auth-zone,
# for-downstream) on one port; the resolver (patched) has example.test as a
# stub zone pointing to it, modules validator and iterator, answers on
# another. Most records have TTL 0, so that every query of the load is
# resolved upstream (iterator, scrubber, message parsing and encoding), over
# TCP (DNS frames, the same as rwload's): answers are checked byte for byte.
# The state: keep.example.test (TTL 3600), asked before the series, is in
# the resolver's cache; after the series the authority is stopped and the
# resolver must still answer it, from its cache.

PKG=unbound
VERSION=1.17.1-2+deb12u4
BASE_LAST=do-not-look-at-pidfile.patch
RECIPE=1
DEPS=(/usr/include/openssl/ssl.h:libssl-dev /usr/include/event2/event.h:libevent-dev
	/usr/include/expat.h:libexpat1-dev bison:bison flex:flex jq:jq ss:iproute2)
CONFIGURE=(./configure --with-libevent --disable-shared)
MAKE_CMD="make unbound"
BINARY=unbound
# Not the daemon's code: the unit tests and test data (configparser.y and
# configlexer.lex are: the build regenerates them with bison and flex).
# (smallapp/ stays: nonstop finds no code of unbound-anchor in unbound.)
NOT_CODE=('testcode/*' 'testdata/*')

AUTH_PID=""

rw_prepare() { :; }

# conf FILE PORT [stub PORT]: an unbound.conf for 127.0.0.1@PORT.
_ub_conf() {
	local f=$1 port=$2
	cat >"$f" <<EOF
server:
	interface: 127.0.0.1@$port
	do-ip6: no
	do-daemonize: no
	chroot: ""
	username: ""
	pidfile: ""
	directory: "$RUN"
	use-syslog: no
	logfile: "$f.log"
	verbosity: 1
	num-threads: 2
	do-not-query-localhost: no
	rrset-roundrobin: no
	minimal-responses: no
	access-control: 127.0.0.0/8 allow
	# test. is one of unbound's default local zones (RFC 6761): served as
	# NXDOMAIN unless released.
	local-zone: "test." nodefault
EOF
	if [ "${3:-}" = stub ]; then
		cat >>"$f" <<EOF
	module-config: "validator iterator"
stub-zone:
	name: "example.test."
	stub-addr: 127.0.0.1@$4
remote-control:
	control-enable: no
EOF
	else
		cat >>"$f" <<EOF
	module-config: "iterator"
auth-zone:
	name: "example.test."
	zonefile: "$ROOT/tests/real/unbound/example.test.zone"
	for-downstream: yes
	for-upstream: no
remote-control:
	control-enable: no
EOF
	fi
}

_ub_wait() {
	local pid=$1 port=$2 log=$3
	for _ in $(seq 100); do
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		kill -0 "$pid" 2>/dev/null || rw_die "unbound exited at start: $(tail -n 5 "$log")"
		sleep 0.1
	done
	rw_die "unbound did not listen on $port within 10 s: $(tail -n 5 "$log")"
}

rw_start() {
	local tree=$1 aport
	aport=$(free_port)
	_ub_conf "$RUN/auth.conf" "$aport"
	"$tree/unbound" -d -c "$RUN/auth.conf" >auth.out 2>&1 &
	AUTH_PID=$!
	PIDS+=("$AUTH_PID")
	_ub_wait "$AUTH_PID" "$aport" "$RUN/auth.conf.log"
	PORT=$(free_port)
	_ub_conf "$RUN/resolver.conf" "$PORT" stub "$aport"
	"$tree/unbound" -d -c "$RUN/resolver.conf" >resolver.out 2>&1 &
	SERVER_PID=$!
	_ub_wait "$SERVER_PID" "$PORT" "$RUN/resolver.conf.log"
}

rw_requests() {
	local d=$1 q
	for q in "a A" "a AAAA" "t TXT" "m MX" "www A" "x.w A" "y.w TXT" "many A" "many AAAA" \
		"example.test SOA" "example.test NS" "nx A" "a TXT" "ns A"; do
		set -- $q
		./rwload dnsq "${1%.example.test}.example.test" "$2" >"$d/$(tr ' .' '__' <<<"$q")"
	done
	./rwload dnsq example.test SOA >"$d/example.test_SOA"
	./rwload dnsq example.test NS >"$d/example.test_NS"
	rm -f "$d"/example.test.example.test*
}

# _ub_answer_has FILE IP: the answer is NOERROR and holds the A record IP.
_ub_answer_has() {
	local hex want
	hex=$(od -An -tx1 -v "$1" | tr -d ' \n')
	want=$(printf '%02x' ${2//./ })
	[ "${hex:6:1}" = 8 ] && [ "${hex:7:1}" = 0 ] && [[ $hex == *0004"$want"* ]]
}

rw_state_put() {
	mkdir -p "$RUN/state"
	./rwload dnsq keep.example.test A >"$RUN/state/keep"
	./rwload ask "$PORT" "$RUN/state/keep" >"$RUN/state/keep.before" || rw_die "no answer for keep.example.test"
	_ub_answer_has "$RUN/state/keep.before" 10.9.9.9 ||
		rw_die "keep.example.test: not the answer expected: $(od -An -tx1 "$RUN/state/keep.before" | head -n 3)"
}

rw_state_check() {
	kill -TERM "$AUTH_PID" 2>/dev/null
	wait "$AUTH_PID" 2>/dev/null || true
	./rwload ask "$PORT" "$RUN/state/keep" >"$RUN/state/keep.after" || return 1
	_ub_answer_has "$RUN/state/keep.after" 10.9.9.9 || {
		rw_say "keep.example.test is no longer answered from the cache: $(od -An -tx1 "$RUN/state/keep.after" | head -n 3)"
		return 1
	}
	rw_say "state: keep.example.test, cached before the series, is still answered from the cache (authority stopped)"
}

rw_stop() { kill -TERM "$AUTH_PID" 2>/dev/null || true; }
