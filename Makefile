# Roundtable: one non-recursive Makefile.
#   make            build build/roundtable
#   make run        install what is missing, build, create ./var with the demo, serve :8080
#   make test       install test tools, build with ASan+UBSan, run every test suite
#   make install    the binary, web client, unit and sample config under PREFIX (default /usr/local)
#   make bench      run the benchmark matrix of bench/ and write bench/RESULTS.md (never asserted;
#                   BENCH_QUICK=1 tiny sizes in seconds, RUNS=N rounds, PEERS=0 Roundtable alone)
#   make SANITIZE=address,undefined   sanitized build into build/san/

PKGS      := libwebsockets sqlite3 jansson libsodium libmarkdown libgit2 openssl
CC        ?= cc
SANITIZE  ?=
ifeq ($(SANITIZE),)
BUILD     ?= build
SANFLAGS  :=
TESTDEFS  :=
else
BUILD     ?= build/san
# RT_FAULTS: the test build can inject faults (storage/faults.c).
SANFLAGS  := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
# test builds can kill themselves at named points (CRASH_AT, see daemon/rt.h)
TESTDEFS  := -DRT_CRASH_POINTS -DRT_FAULTS
endif

VERSION   := 0.1.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -Werror \
             -Idaemon -Istorage -I$(BUILD)/gen $(PKG_CFLAGS) $(SANFLAGS) $(TESTDEFS) -MMD -MP \
             -DRT_VERSION='"$(VERSION)"' -DRT_WEB_DIR='"$(CURDIR)/web"'
LDFLAGS   += $(SANFLAGS)
LDLIBS    += $(PKG_LIBS) -lpthread

DAEMON_SRC  := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
STORAGE_SRC := $(wildcard storage/*.c)
SCHEMA      := $(sort $(wildcard storage/schema/*.sql))
LIB_OBJ     := $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRC) $(STORAGE_SRC)) $(BUILD)/gen/schema.o
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

all: $(BUILD)/roundtable

$(BUILD)/roundtable: $(BUILD)/daemon/main.o $(LIB_OBJ)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c | $(BUILD)/gen/schema.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# The migrations are compiled in: each storage/schema/NNN-name.sql becomes one string.
$(BUILD)/gen/schema.c: $(SCHEMA) tools/embed-schema.sh
	@mkdir -p $(dir $@)
	@sh tools/embed-schema.sh $(SCHEMA) > $@

$(BUILD)/gen/schema.o: $(BUILD)/gen/schema.c
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -DCORPORA='"$(CURDIR)/tests/corpora"' $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS) -lcmocka

units: $(UNIT_BIN)

deps:
	@sh tools/deps.sh build

test-deps:
	@sh tools/deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	@if [ ! -f var/roundtable.db ]; then ./build/roundtable demo --data var; fi
	./build/roundtable serve --data var --listen 127.0.0.1:8080

test: test-deps
	@$(MAKE) --no-print-directory SANITIZE=address,undefined all units
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/run.sh build/san

bench: deps
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the web client
# where contrib/roundtable.service looks for it, the unit and a sample config.
PREFIX    ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/roundtable/contrib
	install -m 0755 $(BUILD)/roundtable $(DESTDIR)$(PREFIX)/bin/roundtable
	rm -rf $(DESTDIR)$(PREFIX)/share/roundtable/web
	cp -R web $(DESTDIR)$(PREFIX)/share/roundtable/web
	chmod -R u=rwX,go=rX $(DESTDIR)$(PREFIX)/share/roundtable/web
	install -m 0644 contrib/roundtable.service contrib/roundtable.conf $(DESTDIR)$(PREFIX)/share/roundtable/contrib/

clean:
	rm -rf build

.PHONY: all units deps test-deps run test bench install clean
-include $(shell find build -name '*.d' 2>/dev/null)

# Fuzzing (tests/fuzz/README.md): libFuzzer targets built with clang into
# build/fuzz/. `make fuzz` runs each for FUZZ_SECONDS (default 300),
# `make fuzz-smoke` for 20 seconds (CI); any crash fails the run.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS := dispatch render merge
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := fuzzer-no-link,address,undefined

# Runs in a sub-make with CC=clang BUILD=$(FUZZ_BUILD)/obj SANITIZE=$(FUZZ_SAN).
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/safe_html.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory CC=clang BUILD=$(FUZZ_BUILD)/obj SANITIZE=$(FUZZ_SAN) \
		$(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_BUILD) 20 $(FUZZ_TARGETS)

.PHONY: fuzz-build fuzz fuzz-smoke

# The long forms of the reliability tests (docs/security.md): the crash test
# with 240 kills (RT_TORTURE=1; `make test` kills 12 times), the hostile-load
# test once more, then `make fuzz` (5 minutes a target; CI replays the seeds).
TORTURE_TESTS := $(wildcard tests/protocol/crash.test.mjs tests/protocol/hostile.test.mjs)
torture: test-deps
	@$(MAKE) --no-print-directory SANITIZE=address,undefined all
	RT_TORTURE=1 RT_BIN=$(CURDIR)/build/san/roundtable node --test $(TORTURE_TESTS)
	@$(MAKE) --no-print-directory fuzz

.PHONY: torture
