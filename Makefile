# nonstop — build rules. `make` builds the tool and the runtime library,
# `make check` runs every test, `make demo` runs the live-patch demo,
# `make demo-shadow` the demo of a fix that keeps state in a shadow variable,
# `make real-memcached` the real-server test alone, `make realworld` the
# real-world harness (Debian security fixes applied live; not in `make check`),
# `make install` / `make uninstall` (PREFIX, default /usr/local; DESTDIR),
# `make deb` the Debian packages (debian/, dpkg-buildpackage).
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc -Ilib
LDLIBS  += -ldw -lelf -lcrypto -lcapstone

BUILD   := build

# The version is include/nonstop.h's; the library's SONAME changes with its
# major number only.
VERSION_MAJOR := $(shell sed -n 's/^\#define NONSTOP_VERSION_MAJOR //p' include/nonstop.h)
VERSION_MINOR := $(shell sed -n 's/^\#define NONSTOP_VERSION_MINOR //p' include/nonstop.h)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR)
SONAME  := libnonstop.so.$(VERSION_MAJOR)
LIBFILE := libnonstop.so.$(VERSION)

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
MANDIR      ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL     ?= install
TOOL_SRC := $(wildcard src/*/*.c)
TOOL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRC))
LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
DEPS_OK  := $(BUILD)/.deps-ok

.PHONY: FORCE all deps test-deps check demo demo-shadow bench clean real-memcached \
	realworld install uninstall deb
all: $(BUILD)/nonstop $(BUILD)/libnonstop.so $(BUILD)/libnonstop.a \
	$(BUILD)/nonstop.pc

# Dependencies are checked (and installed on Debian as root) once: those
# of the build here, those of the tests and benchmarks before they run.
$(DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh build
	@mkdir -p $(BUILD) && touch $@
deps: $(DEPS_OK)
$(BUILD)/.test-deps-ok: scripts/deps.sh
	@sh scripts/deps.sh test
	@mkdir -p $(BUILD) && touch $@
test-deps: $(BUILD)/.test-deps-ok

$(BUILD)/obj/%.o: %.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/lib/%.o: lib/%.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

# A thread cancelled in a wrapped wait unwinds through the wrapper's
# cleanup (lib/waits.c).
$(BUILD)/obj/lib/waits.o: CFLAGS += -fexceptions

$(BUILD)/nonstop: $(TOOL_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libnonstop.so.MAJOR.MINOR, its SONAME libnonstop.so.MAJOR (what programs
# linked with it ask for) and the libnonstop.so they link with, as links.
$(BUILD)/$(LIBFILE): $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ -lpthread -lgcc_s

$(BUILD)/libnonstop.so: $(BUILD)/$(LIBFILE)
	ln -sf $(LIBFILE) $(BUILD)/$(SONAME)
	ln -sf $(LIBFILE) $@

# The directories the .pc file names, remembered: a make install with
# another PREFIX than the make before it writes the .pc file again.
$(BUILD)/.dirs: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' | cmp -s - $@ || \
	    echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' >$@
FORCE:

# pkg-config's file: the header's flags, the library, and the flags that
# make a program patchable (patchflags: what `nonstop cflags` prints).
$(BUILD)/nonstop.pc: nonstop.pc.in $(BUILD)/nonstop $(BUILD)/.dirs
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|; s|@PATCHFLAGS@|'"$$($(BUILD)/nonstop cflags)"'|' \
	    nonstop.pc.in >$@

$(BUILD)/libnonstop.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

check: all test-deps
	@bash tests/run.sh

# memcached from Debian's source package, built with `nonstop cflags`, patched
# and reverted under load (tests/t_real_memcached.sh; also part of make check).
# MEMCACHED_MODE=stop forces stop-the-world; the default asserts per-thread.
real-memcached: all
	@bash tests/run.sh t_real_memcached

# Real programs from Debian bookworm source packages (libxml2 in a server
# that uses it, unbound), built with `nonstop cflags`; every fix of their
# security series built and applied live under load; the table goes to
# docs/REALWORLD.md (tests/real/realworld.sh). Minutes; not part of make check.
realworld: all
	@bash tests/real/realworld.sh

demo: all
	@bash examples/demo/demo.sh

# A fix that needs state: a counter per live connection, in a shadow variable.
demo-shadow: all
	@bash examples/demo/shadow-demo.sh

# BENCH_DOCS=1 also rewrites docs/BENCHMARKS.md and its plot (bench/latency.sh).
# bench/speedtest.sh: the cost of being patchable, SQLite's speedtest1 built
# plain and with `nonstop cflags` (fetches Debian's sqlite3 source once).
bench: all test-deps
	@bash bench/run.sh
	@echo
	@bash bench/as_shipped.sh
	@echo
	@bash bench/pause_threads.sh
	@echo
	@bash bench/ptrace_stop.sh
	@echo
	@bash bench/host_apply.sh
	@echo
	@bash bench/latency.sh
	@echo
	@bash bench/speedtest.sh

# The files a user gets: the tool, the library (SONAME, links, static
# archive), the header, pkg-config's file, the man pages and bash's
# completion. PREFIX (default /usr/local) and DESTDIR as usual; the .pc file
# names PREFIX, so make and make install take the same PREFIX.
install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 755 $(BUILD)/nonstop $(DESTDIR)$(BINDIR)/nonstop
	$(INSTALL) -m 644 $(BUILD)/$(LIBFILE) $(DESTDIR)$(LIBDIR)/$(LIBFILE)
	ln -sf $(LIBFILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libnonstop.so
	$(INSTALL) -m 644 $(BUILD)/libnonstop.a $(DESTDIR)$(LIBDIR)/libnonstop.a
	$(INSTALL) -m 644 include/nonstop.h $(DESTDIR)$(INCLUDEDIR)/nonstop.h
	$(INSTALL) -m 644 $(BUILD)/nonstop.pc $(DESTDIR)$(PKGCONFIGDIR)/nonstop.pc
	$(INSTALL) -m 644 man/nonstop.1 $(DESTDIR)$(MANDIR)/man1/nonstop.1
	$(INSTALL) -m 644 man/libnonstop.3 $(DESTDIR)$(MANDIR)/man3/libnonstop.3
	$(INSTALL) -m 644 completion/nonstop.bash $(DESTDIR)$(BASHCOMPDIR)/nonstop
	@# the loader's cache, for programs linked with -lnonstop (root, no DESTDIR)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then \
	    ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/nonstop $(DESTDIR)$(LIBDIR)/$(LIBFILE) \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libnonstop.so \
	    $(DESTDIR)$(LIBDIR)/libnonstop.a $(DESTDIR)$(INCLUDEDIR)/nonstop.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/nonstop.pc $(DESTDIR)$(MANDIR)/man1/nonstop.1 \
	    $(DESTDIR)$(MANDIR)/man3/libnonstop.3 $(DESTDIR)$(BASHCOMPDIR)/nonstop

# The Debian packages nonstop, libnonstop0 and libnonstop-dev, into build/deb
# (debian/; dpkg-buildpackage from a copy of the tree).
deb:
	@bash scripts/deb.sh

clean:
	rm -rf $(BUILD)

# Fuzzes the patch reader (ns_patch_load) with libFuzzer for FUZZ_SECONDS
# (default 60), starting from real patches built by fuzz/make_seeds.sh.
# Needs clang with libFuzzer; not part of `make check`. Fails on a crash.
.PHONY: fuzz
fuzz: $(BUILD)/nonstop
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/artifacts
	clang -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $(BUILD)/fuzz/patch_load_fuzz fuzz/patch_load_fuzz.c \
		$(wildcard src/patch/*.c src/util/*.c) $(LDLIBS)
	@bash fuzz/make_seeds.sh $(BUILD)/fuzz/seeds
	@secs=$(or $(FUZZ_SECONDS),60); log=$(BUILD)/fuzz/fuzz.log; \
	echo "fuzz: running $(BUILD)/fuzz/patch_load_fuzz for $$secs s (log: $$log)"; \
	$(BUILD)/fuzz/patch_load_fuzz -max_total_time=$$secs -timeout=10 \
		-print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/artifacts/ \
		$(BUILD)/fuzz/corpus $(BUILD)/fuzz/seeds >$$log 2>&1; rc=$$?; \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
	rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log | tail -1); \
	echo "fuzz: $${execs:-?} executions, $${rate:-?} exec/s"; \
	if [ $$rc -ne 0 ]; then \
		tail -n 40 $$log; \
		echo "fuzz: CRASH found (crash, leak or timeout; exit $$rc):" \
			"$$(sed -n 's/.*Test unit written to //p' $$log)"; \
		exit 1; \
	fi; \
	echo "fuzz: no crash found"

# Fuzzes the readers of a target's memory (its records, libnonstop's
# control block and thread slots, status's output) with libFuzzer for
# FUZZ_SECONDS (default 60): fuzz/target_read_fuzz.c plays the process,
# in place of src/proc/mem.c and maps.c. Starts from the memory of real
# targets after real applies (fuzz/make_target_seeds.sh) and from the
# inputs of past findings (fuzz/target_read_regress/). `make fuzz` runs
# it before the patch reader's. Needs clang with libFuzzer; not part of
# `make check`. Fails on a crash.
READ_FUZZ_SRC := fuzz/target_read_fuzz.c src/runtime/rt_read.c \
	src/core/hook_state.c src/core/xform_read.c src/cli/status_print.c \
	src/proc/maps_list.c \
	$(wildcard src/registry/*.c src/patch/*.c src/util/*.c)
.PHONY: fuzz-read
fuzz: fuzz-read
fuzz-read: $(BUILD)/nonstop $(BUILD)/libnonstop.so
	@mkdir -p $(BUILD)/fuzz
	clang -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc -Ilib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $(BUILD)/fuzz/target_read_fuzz $(READ_FUZZ_SRC) $(LDLIBS)
	@bash fuzz/make_target_seeds.sh $(BUILD)/fuzz/read-seeds
	@bash fuzz/run_fuzz.sh $(BUILD)/fuzz/target_read_fuzz $(or $(FUZZ_SECONDS),60) \
		$(BUILD)/fuzz/read $(BUILD)/fuzz/read-corpus \
		$(BUILD)/fuzz/read-seeds fuzz/target_read_regress

-include $(TOOL_OBJ:.o=.d) $(LIB_OBJ:.o=.d)
