# ppredict - plain Makefile. `make` builds build/ppredict.
#   make test                       install deps, build, run unit + integration tests
#   SANITIZE=address,undefined make test
#   make bench | make demo | make fuzz | make deps | make clean

CC ?= cc
SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
else
BUILD ?= build/san-$(SANITIZE)
endif

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wvla -Wpointer-arith -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
# Hot loops (the simulator's, the feature replay's) ran 5-10% slower or faster with where
# unrelated changes happened to move them; aligned, they stay put.
ALIGN = -falign-functions=64 -falign-loops=32
ALL_CFLAGS = -std=gnu17 $(WARN) $(CFLAGS) $(ALIGN) -D_GNU_SOURCE -Isrc -Itests -I/usr/include/postgresql -MMD -MP
LDLIBS = -lxgboost -lmicrohttpd -lcurl -ljansson -lyaml -lsqlite3 -lpq -llmdb -lhiredis -lzstd -lz -lm -lpthread
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC := $(sort $(shell find src -name '*.c' ! -name main.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/web_assets.o
# The dashboard, compiled in: our files and the chart library npm installs (web/package-lock.json).
WEB_LIB := web/node_modules/uplot/dist/uPlot.iife.min.js web/node_modules/uplot/dist/uPlot.min.css
WEB_FILES := web/index.html web/app.css web/app.js web/favicon.svg $(WEB_LIB)
TEST_SRC := $(sort $(wildcard tests/unit/*.c)) tests/runner.c
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all test bench demo deps fuzz clean check-clang
all: $(BUILD)/ppredict

Q = @
ifeq ($(V),1)
Q =
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

.SECONDARY:

$(WEB_LIB) &: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $(WEB_LIB)

$(BUILD)/gen/web_assets.c: $(WEB_FILES) scripts/embed-web.sh
	@echo "  EMBED   $@"
	$(Q)./scripts/embed-web.sh $@ $(WEB_FILES)

$(BUILD)/obj/gen/web_assets.o: $(BUILD)/gen/web_assets.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libppredict.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(BUILD)/ppredict: $(BUILD)/obj/src/main.o $(BUILD)/libppredict.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/ppredict-tests: $(TEST_OBJ) $(BUILD)/libppredict.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/obj/bench/bench.o $(BUILD)/libppredict.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets as corpus replayers (any compiler); `make fuzz` builds libFuzzer ones.
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $(BUILD)/libppredict.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Small programs the integration tests drive (sample files for independent readers).
$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libppredict.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	./scripts/install-deps.sh

test: deps
	$(MAKE) $(BUILD)/ppredict $(BUILD)/ppredict-tests $(FUZZ_BIN) $(TOOL_BIN)
	PPREDICT_BIN=$(CURDIR)/$(BUILD)/ppredict PPREDICT_FUZZ_DIR=$(CURDIR)/$(BUILD)/fuzz \
		PPREDICT_TOOLS=$(CURDIR)/$(BUILD)/tools \
		TSAN_OPTIONS="suppressions=$(CURDIR)/tests/sanitizers/tsan.supp $$TSAN_OPTIONS" \
		OMP_WAIT_POLICY=passive \
		$(BUILD)/ppredict-tests $(TESTS)

bench:
	./scripts/install-deps.sh bench
	$(MAKE) $(BUILD)/ppredict $(BENCH_BIN)
	./bench/run.sh $(BUILD)

demo:
	./scripts/install-deps.sh build
	$(MAKE) $(BUILD)/ppredict
	./scripts/demo.sh $(BUILD)/ppredict

# Real libFuzzer binaries (clang); run one with e.g. build/libfuzzer/fuzz_event_json corpus/
fuzz:
	$(MAKE) BUILD=build/libfuzzer CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		build/libfuzzer/libppredict.a
	@mkdir -p build/libfuzzer/bin
	for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		clang -std=gnu17 -O1 -g -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
			$$f build/libfuzzer/libppredict.a $(LDLIBS) -o build/libfuzzer/bin/$$n || exit 1; \
	done

check-clang:
	$(MAKE) BUILD=build/clang CC=clang all

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
