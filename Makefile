# tocsin - urgent-appeal campaign mailer.  GNU make.
#
#   make            build ./tocsin (warnings are errors; WERROR= to relax)
#   make check      make deps, unit tests under ASan+UBSan, end-to-end tests
#   make demo       make deps, then the main job on the embedded defaults
#   make lint       clang-format check, banned functions, scan-build
#   make bench      measurements (not tests), see bench/README.md
#   make fuzz       libFuzzer targets, bounded time each
#   make install    PREFIX=/usr/local DESTDIR=

VERSION  := 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/tocsin
CC       ?= cc
WERROR   ?= -Werror

# Quiet by default (V=1 shows the commands).
ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS     := libcurl libetpan jansson sqlite3 libmicrohttpd libcmark libidn2 gnutls
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libetpan's .pc adds a dpkg link spec that forces non-PIE links: drop it.
PKG_LIBS   = $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null)) -lcsv -lpthread
TEST_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 -Wvla \
	-Wimplicit-fallthrough -fno-common -fstack-protector-strong
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DTOCSIN_VERSION='"$(VERSION)"' $(WARN) $(WERROR) $(PKG_CFLAGS)
REL_CFLAGS = $(BASE_CFLAGS) -O2 -g -D_FORTIFY_SOURCE=2 $(CFLAGS)
DBG_CFLAGS = $(BASE_CFLAGS) -O0 -g3 -DTOCSIN_DEBUG -DUNITTESTS \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all $(CFLAGS)
DBG_LDFLAGS = -fsanitize=address,undefined

SRCS     := $(sort $(wildcard mailer/*.c))
HDRS     := $(wildcard mailer/*.h)
LIBSRCS  := $(filter-out mailer/main.c,$(SRCS))
REL_OBJS := $(SRCS:mailer/%.c=build/rel/%.o)
DBG_OBJS := $(SRCS:mailer/%.c=build/dbg/%.o)
DBG_LIBOBJS := $(LIBSRCS:mailer/%.c=build/dbg/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/test/%)

# --wrap seams per unit-test binary (STYLE.md section 8): WRAP_<test> = syms
WRAP_test_util =
WRAP_test_smtp = curl_easy_setopt
WRAP_test_queue = util_now
WRAP_test_store_bounce = util_now
# Test helpers shared by several unit tests.
UNIT_HELPERS := tests/unit/unit.c tests/unit/sink.c
UNIT_HDRS := tests/unit/unit.h tests/unit/sink.h

.PHONY: all debug check test unit e2e sanitize demo deps lint format \
	install clean bench fuzz FORCE
.DEFAULT_GOAL := all

all: tocsin

tocsin: $(REL_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) -o $@ $(REL_OBJS) $(LDFLAGS) $(PKG_LIBS)

build/rel/%.o: mailer/%.c $(HDRS) | build/rel
	@echo "  CC      $<"
	$(Q)$(CC) $(REL_CFLAGS) -c -o $@ $<

build/dbg/%.o: mailer/%.c $(HDRS) | build/dbg
	@echo "  CC [dbg] $<"
	$(Q)$(CC) $(DBG_CFLAGS) -c -o $@ $<

build/rel build/dbg build/test:
	$(Q)mkdir -p $@

# Where init finds the sample appeal: compiled into samples.o only, which
# is rebuilt when DATADIR changes (make install PREFIX=/usr after make).
build/datadir: FORCE | build/rel
	$(Q)echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@
build/rel/samples.o build/dbg/samples.o: build/datadir
build/rel/samples.o: REL_CFLAGS += -DTOCSIN_DATADIR='"$(DATADIR)"'
build/dbg/samples.o: DBG_CFLAGS += -DTOCSIN_DATADIR='"$(DATADIR)"'
FORCE:

# The sanitizer build of the program (make debug) and the library that
# unit tests link against.
debug: build/dbg/tocsin

build/dbg/tocsin: $(DBG_OBJS)
	@echo "  LD [dbg] $@"
	$(Q)$(CC) $(DBG_LDFLAGS) -o $@ $(DBG_OBJS) $(PKG_LIBS)

build/dbg/libtocsin.a: $(DBG_LIBOBJS)
	$(Q)rm -f $@ && ar rcs $@ $(DBG_LIBOBJS)

build/test/%: tests/unit/%.c $(UNIT_HELPERS) $(UNIT_HDRS) build/dbg/libtocsin.a $(HDRS) | build/test
	@echo "  TEST    $@"
	$(Q)$(CC) $(DBG_CFLAGS) -Imailer -Itests/unit -o $@ $< $(UNIT_HELPERS) \
		$(foreach s,$(WRAP_$*),-Wl,--wrap=$(s)) \
		build/dbg/libtocsin.a $(DBG_LDFLAGS) $(PKG_LIBS) $(TEST_LIBS)

# Unit tests run from the source tree so they can find tests/data and
# ../shared/conformance.
unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=1 ./$$t || fail=1; \
	done; test $$fail -eq 0

e2e: tocsin
	TOCSIN=$(CURDIR)/tocsin sh tests/e2e/run.sh

# The whole test suite; deps first so a fresh machine needs nothing else.
check test:
	$(MAKE) deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) e2e

# End-to-end tests against the sanitizer build of the program.
sanitize:
	$(MAKE) unit build/dbg/tocsin
	TOCSIN=$(CURDIR)/build/dbg/tocsin sh tests/e2e/run.sh

demo:
	$(MAKE) deps
	$(MAKE) all
	sh tools/demo.sh

deps:
	sh tools/deps.sh

BANNED := strcpy|strcat|sprintf|vsprintf|gets|strtok|strncpy|atoi|atol
lint:
	clang-format --dry-run -Werror $(SRCS) $(HDRS) $(UNIT_SRCS) \
		$(UNIT_HELPERS) $(UNIT_HDRS) $(wildcard tests/fuzz/*.c)
	@if grep -nE '\b($(BANNED))[[:space:]]*\(' $(SRCS) $(HDRS); then \
		echo "lint: banned functions (STYLE.md section 6)"; exit 1; fi
	@if command -v scan-build >/dev/null 2>&1; then \
		rm -rf build/scan && mkdir -p build/scan && \
		scan-build -o build/scan/report --status-bugs \
			$(MAKE) --no-print-directory -B build/scan/tocsin \
			SCAN_OBJS=1 >build/scan/log 2>&1 || \
			{ tail -30 build/scan/log; exit 1; }; \
		echo "lint: scan-build clean"; \
	else echo "lint: scan-build not installed, skipped"; fi

# scan-build compiles every source once with its analyzer.
build/scan/tocsin: $(SRCS) $(HDRS)
	mkdir -p build/scan
	$(CC) $(REL_CFLAGS) -o $@ $(SRCS) $(PKG_LIBS)

format:
	clang-format -i $(SRCS) $(HDRS) $(UNIT_SRCS) $(UNIT_HELPERS) \
		$(UNIT_HDRS) $(wildcard tests/fuzz/*.c)

install: tocsin
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 tocsin $(DESTDIR)$(BINDIR)/tocsin
	install -m 0644 doc/tocsin.1 $(DESTDIR)$(MANDIR)/man1/tocsin.1
	install -d $(DESTDIR)$(DATADIR)/templates/urgent-appeal \
		$(DESTDIR)$(DATADIR)/cases $(DESTDIR)$(DATADIR)/lists
	install -m 0644 templates/urgent-appeal/* \
		$(DESTDIR)$(DATADIR)/templates/urgent-appeal/
	install -m 0644 cases/example.json $(DESTDIR)$(DATADIR)/cases/
	install -m 0644 lists/sample-supporters.csv $(DESTDIR)$(DATADIR)/lists/

bench: tocsin
	sh bench/run.sh

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_TIME ?= 30
build/fuzz/%: tests/fuzz/%.c $(LIBSRCS) $(HDRS)
	mkdir -p build/fuzz
	clang $(BASE_CFLAGS) -O1 -g -DUNITTESTS -Imailer \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIBSRCS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
		echo "== $$n ($(FUZZ_TIME)s)"; \
		seeds=tests/fuzz/seeds/$${n#fuzz_}; \
		[ -d $$seeds ] || seeds=; \
		$$f -max_total_time=$(FUZZ_TIME) -timeout=10 \
			build/fuzz/corpus-$$n $$seeds || exit 1; \
	done

clean:
	rm -rf build tocsin
