# nonstop — build rules. `make` builds the tool and the runtime library,
# `make check` runs every test, `make demo` runs the live-patch demo.
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc
LDLIBS  += -ldw -lelf

BUILD   := build
TOOL_SRC := $(wildcard src/*/*.c)
TOOL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRC))
LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
DEPS_OK  := $(BUILD)/.deps-ok

.PHONY: all deps check demo bench clean
all: $(BUILD)/nonstop $(BUILD)/libnonstop.so $(BUILD)/libnonstop.a

# Build dependencies are checked (and installed on Debian as root) once.
$(DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@
deps: $(DEPS_OK)

$(BUILD)/obj/%.o: %.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/lib/%.o: lib/%.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<

$(BUILD)/nonstop: $(TOOL_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libnonstop.so: $(LIB_OBJ)
	$(CC) $(CFLAGS) -shared -o $@ $^ -lpthread

$(BUILD)/libnonstop.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

check: all
	@bash tests/run.sh

demo: all
	@bash examples/demo/demo.sh

bench: all
	@bash bench/run.sh
	@echo
	@bash bench/pause_threads.sh

clean:
	rm -rf $(BUILD)

-include $(TOOL_OBJ:.o=.d) $(LIB_OBJ:.o=.d)
