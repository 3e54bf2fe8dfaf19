# seam build. GNU make + pkg-config. Two files are generated: build/gen/contracts.c, every file of
# contracts/ as bytes (scripts/embed.sh), compiled into libseam.a so the contract registry
# is built into the binary, and build/gen/ops_assets.c, the dashboard's ops/ the same way;
# each is rewritten only when its tree changes.
#
#   make            build/seam and build/seam-sim
#   make deps       install the Debian packages the build and tests need (apt-get, as root)
#   make test       deps, build, unit tests, end-to-end tests, unit tests under ASan+UBSan and
#                   under ThreadSanitizer
#   make demo       deps, build, then seam-sim + seam serve with examples/
#   make bench      the benchmarks in bench/
#   make fuzz       every fuzz/fuzz_*.c for FUZZ_SECONDS (10) each, two at a time (clang)
#   make layers     the include graph, checked against the layers (scripts/layers.sh)
#   make openapi-tools  the OpenAPI linter (npm, pinned) into build/tools (e2e needs it)
#   make browser-tools  puppeteer-core (npm, pinned) into build/tools/browser (the dashboard's
#                   browser test needs it, and Debian's chromium)
#
# Every .c under src/ (but main.c) goes into build/libseam.a, the product; every .c under sim/
# (but sim/main.c) into build/libseam-sim.a, the upstream doubles, which use only core utilities
# of libseam.a. build/seam links libseam.a alone, so the product holds no simulator code;
# build/seam-sim links both. tests/unit/**/test_*.c each become one cmocka binary linked against
# both (an archive lends only the objects a test calls). Adding a module needs no edit here.
# fuzz/fuzz_*.c each become a libFuzzer binary linked against build/fuzz/libseam.a (the src/
# objects built by clang with coverage and ASan+UBSan): adding a target needs no edit either.

CC      ?= gcc
PKGS    := libcurl jansson libfyaml sqlite3 libpq openssl lua5.4 libpcre2-8 libidn2
DEB_PKGS := build-essential pkg-config libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev \
            libfyaml-dev libsqlite3-dev libpq-dev libssl-dev liblua5.4-dev libcmocka-dev libpcre2-dev \
            libidn2-dev libunistring-dev \
            prometheus curl php-cli phpunit nginx-light wrk clang libclang-rt-dev git \
            libjs-chart.js chromium postgresql-15

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libmicrohttpd: only the programmable upstream in tests/unit/http/test_client.c (seam's own
# HTTP edge is src/http/server.c).
TEST_LIBS  := $(shell pkg-config --libs libmicrohttpd 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Isrc -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS  := $(PKG_LIBS) -lunistring -lpthread -lm

# The rules the $(eval)s below write come first in the file; without this, bare `make` would
# build their first target (build/libseam.a) instead of build/seam.
.DEFAULT_GOAL := all

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  := $(shell find src -name '*.c' ! -path src/main.c 2>/dev/null | sort)
SIM_SRC  := $(shell find sim -name '*.c' ! -path sim/main.c 2>/dev/null | sort)
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
E2E_SRC  := $(shell find tests/e2e -name 'test_*.c' 2>/dev/null | sort)
TSUP_SRC := $(shell find tests/support -name '*.c' 2>/dev/null | sort)
BENCH_SRC := $(shell find bench -maxdepth 1 -name '*.c' 2>/dev/null | sort)
BSUP_SRC  := $(shell find bench/support -name '*.c' 2>/dev/null | sort)

# Two build trees: build/ (normal) and build/san/ (ASan+UBSan, unit tests only).
define tree
$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$$(CC) $$(ALL_CFLAGS) $(2) -c $$< -o $$@
$(1)/obj/gen/contracts.o: build/gen/contracts.c
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$$(CC) $$(ALL_CFLAGS) $(2) -c $$< -o $$@
$(1)/obj/gen/ops_assets.o: build/gen/ops_assets.c
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$$(CC) $$(ALL_CFLAGS) $(2) -c $$< -o $$@
$(1)/libseam.a: $$(LIB_SRC:%.c=$(1)/obj/%.o) $(1)/obj/gen/contracts.o $(1)/obj/gen/ops_assets.o
	@rm -f $$@
	@ar rcs $$@ $$^
$(1)/libseam-sim.a: $$(SIM_SRC:%.c=$(1)/obj/%.o)
	@rm -f $$@
	@ar rcs $$@ $$^
$(1)/tests/%: $(1)/obj/tests/%.o $(1)/libseam-sim.a $(1)/libseam.a $$(TSUP_SRC:%.c=$(1)/obj/%.o)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CC) $(2) -o $$@ $$< $$(TSUP_SRC:%.c=$(1)/obj/%.o) $(1)/libseam-sim.a $(1)/libseam.a \
	  $$(LDLIBS) $$(TEST_LIBS) -lcmocka
endef

$(eval $(call tree,build,))
$(eval $(call tree,build/san,$(SAN_FLAGS)))
$(eval $(call tree,build/tsan,-fsanitize=thread -fno-omit-frame-pointer))

UNIT_BIN := $(UNIT_SRC:%.c=build/%)
SAN_BIN  := $(UNIT_SRC:%.c=build/san/%)
TSAN_BIN := $(UNIT_SRC:%.c=build/tsan/%)
E2E_BIN  := $(E2E_SRC:%.c=build/%)
# The end-to-end tests that run again on a PostgreSQL store (make e2e-pg): the engine's own and
# the flows that write the most (orders, payments, catalog, stock, tax, reconciliation, ctl) and
# the REST surface (idempotency, dead-letter replay).
PG_E2E   := test_store_pg test_cluster_pg test_order_export test_order_stores test_payments test_reconcile test_rest \
            test_catalog test_stock test_tax test_ctl
PG_E2E_BIN := $(PG_E2E:%=build/tests/e2e/%)
# and the queue's own tests (a database each through tests/unit/queue/qtest.h; the few about
# SQLite's WAL and files skip themselves)
PG_UNIT_BIN := $(addprefix build/tests/unit/queue/,test_queue test_queue_ops test_batch test_queue_crash)
BENCH_BIN := $(BENCH_SRC:%.c=build/%)
FUZZ_SRC := $(shell find fuzz -maxdepth 1 -name 'fuzz_*.c' 2>/dev/null | sort)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)

# The fuzz tree: clang, libFuzzer coverage on every src/ object, ASan+UBSan, no -Werror (clang
# warns about other things than gcc; the gcc build is the one that gates warnings).
FUZZ_CC    ?= clang
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) -Isrc -I. $(PKG_CFLAGS) -MMD -MP
FUZZ_LIB_SRC := $(filter src/%,$(LIB_SRC))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/obj/gen/contracts.o: build/gen/contracts.c
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/obj/gen/ops_assets.o: build/gen/ops_assets.c
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/libseam.a: $(FUZZ_LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/gen/contracts.o \
		     build/fuzz/obj/gen/ops_assets.o
	@rm -f $@
	@ar rcs $@ $^
build/fuzz/fuzz_%: build/fuzz/obj/fuzz/fuzz_%.o build/fuzz/libseam.a
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< build/fuzz/libseam.a $(LDLIBS)

.PHONY: all deps test unit e2e e2e-pg san tsan fuzz demo bench clean check-tools layers FORCE openapi-tools \
	browser-tools
.SECONDARY:

all: build/seam build/seam-sim

# The registry built into seam (src/contract/registry.c). The script runs on every make and
# rewrites the file only when contracts/ changed (a file edited, added or removed), so the
# objects that depend on it are rebuilt exactly then.
build/gen/contracts.c: FORCE
	@sh scripts/embed.sh contracts $@ contract/registry_int.h seam__contract index.yaml '*.json'
# The dashboard's assets (ops/: HTML, CSS, JS), the same way (src/api/api_ops.c serves them).
build/gen/ops_assets.c: FORCE
	@sh scripts/embed.sh ops $@ api/api_ops_int.h seam__ops '*.html' '*.css' '*.js' '*.svg'
FORCE:

build/seam: build/obj/src/main.o build/libseam.a
	@echo "  LD      $@"
	@$(CC) -o $@ $^ $(LDLIBS)

# The doubles' binary, beside the product as redis-benchmark beside redis-server.
build/seam-sim: build/obj/sim/main.o build/libseam-sim.a build/libseam.a
	@echo "  LD      $@"
	@$(CC) -o $@ $^ $(LDLIBS)

build/bench/%: build/obj/bench/%.o $(BSUP_SRC:%.c=build/obj/%.o) $(TSUP_SRC:%.c=build/obj/%.o) \
	      build/libseam-sim.a build/libseam.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) -o $@ $^ $(LDLIBS) -lcmocka

# node and npm for the OpenAPI linter (openapi-tools): Debian's packages only when there is no
# npm yet, because Debian's npm conflicts with a nodejs from nodesource (which brings its own).
deps:
	@sh scripts/deps.sh $(DEB_PKGS)
	@command -v npm >/dev/null 2>&1 || sh scripts/deps.sh nodejs npm

unit: $(UNIT_BIN)
	@sh scripts/run-tests.sh unit $(UNIT_BIN)

# The OpenAPI linter tests/e2e/test_openapi.c runs: Redocly CLI, pinned, installed by npm into
# build/tools/ once and kept (scripts/openapi-lint.sh). Not installable (no npm, offline): said
# here, and test_openapi then fails with the reason.
openapi-tools:
	@sh scripts/openapi-lint.sh --install || echo "openapi-tools: the linter is not installed" >&2

# What tests/e2e/test_ops_browser.c drives the dashboard with: puppeteer-core, pinned, installed
# by npm into build/tools/browser/ once and kept (scripts/browser-tools.sh), and Debian's
# chromium (make deps). Not installable: said here, and the browser test then fails with the
# reason.
browser-tools:
	@sh scripts/browser-tools.sh --install >/dev/null || echo "browser-tools: the browser test cannot run" >&2

e2e: build/seam build/seam-sim $(E2E_BIN) openapi-tools browser-tools
	@SEAM_BIN=$(CURDIR)/build/seam SEAM_SIM_BIN=$(CURDIR)/build/seam-sim \
	  sh scripts/run-tests.sh e2e $(filter-out build/tests/e2e/test_store_pg,$(E2E_BIN))

# The same tests on PostgreSQL: a private cluster started and stopped by scripts/e2e-pg.sh.
e2e-pg: build/seam build/seam-sim $(PG_E2E_BIN) $(PG_UNIT_BIN)
	@SEAM_BIN=$(CURDIR)/build/seam SEAM_SIM_BIN=$(CURDIR)/build/seam-sim \
	  sh scripts/e2e-pg.sh $(PG_UNIT_BIN) $(PG_E2E_BIN)

san: $(SAN_BIN)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  sh scripts/run-tests.sh san $(SAN_BIN)

# ThreadSanitizer over the unit tests (also part of `make test`).
tsan: $(TSAN_BIN)
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 sh scripts/run-tests.sh tsan $(TSAN_BIN)

# Every fuzz target for FUZZ_SECONDS (default 10) on a scratch copy of its corpus, two at a
# time; a crash, leak, sanitizer report, hang or failed check counts as a failed test.
fuzz: $(FUZZ_BIN)
	@sh scripts/run-fuzz.sh $(FUZZ_BIN)

# The README's test command. Builds everything first (the benchmarks too, so one that no
# longer links fails here, not at the next `make bench`) so a compile error fails fast.
test: deps
	@$(MAKE) --no-print-directory -j2 all $(UNIT_BIN) $(E2E_BIN) $(SAN_BIN) $(TSAN_BIN) $(FUZZ_BIN) $(BENCH_BIN)
	@rm -f build/test-results.txt
	@$(MAKE) --no-print-directory -k unit e2e e2e-pg san tsan php-test fuzz; \
	  rc=$$?; sh scripts/summary.sh build/test-results.txt; exit $$rc

# The include graph by layer; fails on an upward or sideways edge or a module cycle (also run
# by tests/e2e/test_layers.c, so by make test).
layers:
	@sh scripts/layers.sh

php-test:
	@if [ -d drupal/seam_bridge ]; then sh scripts/php-tests.sh; fi

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

bench: deps build/seam build/seam-sim $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; SEAM_BIN=$(CURDIR)/build/seam \
	  SEAM_SIM_BIN=$(CURDIR)/build/seam-sim $$b || exit 1; done
	@echo "== build/bench/queue on PostgreSQL (scripts/bench-pg.sh)"; sh scripts/bench-pg.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# .incbin'd migration SQL is invisible to -MMD; rebuild the embedding object when one changes.
build/obj/src/store/migrations.o build/san/obj/src/store/migrations.o build/tsan/obj/src/store/migrations.o build/fuzz/obj/src/store/migrations.o: $(wildcard src/store/migrations/[0-9]*.sql)
