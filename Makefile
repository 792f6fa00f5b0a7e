# guichet — the agent's desk (guichet) and its backend (guichetd).
#
# One non-recursive Makefile.  Sources are found by directory:
#   src/core    -> libguichet-core.a   (model, JSON, text, calendar; no I/O)
#   src/server  -> guichetd            (main.c is the program, the rest a library)
#   src/client  -> libguichet-client.a (commands, API, event loop; no curses)
#   src/tui     -> guichet             (curses screens)
# Tests: tests/unit/test_*.c (cmocka), tests/integration/*.sh (real binaries),
# tests/fuzz/fuzz_*.c (libFuzzer).  `make check` prints "N passed, N failed".

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
SBINDIR  = $(PREFIX)/sbin
MANDIR   = $(PREFIX)/share/man
DATADIR  = $(PREFIX)/share/guichet
LOCALEDIR = $(PREFIX)/share/locale

B       ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

WARN  = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
DEFS  = -D_GNU_SOURCE -DGUICHET_VERSION='"$(VERSION)"' \
        -DLOCALEDIR='"$(LOCALEDIR)"' -DDATADIR='"$(DATADIR)"'
INC   = -Isrc

pc = $(shell $(PKG_CONFIG) --$(1) $(2) 2>/dev/null)
CORE_PKGS   = jansson
SERVER_PKGS = libmicrohttpd gnutls sqlite3 libpq libsodium jansson
CLIENT_PKGS = libcurl libsodium jansson gmime-3.0
TUI_PKGS    = ncursesw
TEST_PKGS   = cmocka

# GMime's and GLib's headers are taken as system headers (-isystem): our
# warnings are for our code.  libnotmuch has no pkg-config file.
sysinc = $(patsubst -I%,-isystem %,$(filter-out -I/usr/include/$(shell $(CC) -dumpmachine),$(1)))
ALL_CFLAGS = $(WARN) $(DEFS) $(INC) \
	$(call sysinc,$(call pc,cflags,$(CORE_PKGS) $(SERVER_PKGS) $(CLIENT_PKGS) $(TUI_PKGS))) $(CFLAGS)

CORE_SRC   := $(wildcard src/core/*.c)
SERVER_SRC := $(filter-out src/server/main.c,$(wildcard src/server/*.c))
CLIENT_SRC := $(wildcard src/client/*.c)
TUI_SRC    := $(filter-out src/tui/main.c,$(wildcard src/tui/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))
LIBCORE   = $(B)/libguichet-core.a
LIBSERVER = $(B)/libguichetd.a
LIBCLIENT = $(B)/libguichet-client.a
LIBTUI    = $(B)/libguichet-tui.a
GUICHETD  = $(B)/guichetd
GUICHET   = $(B)/guichet
UNIT_BINS = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

SERVER_LIBS = $(call pc,libs,$(SERVER_PKGS)) -lpthread -lm
CLIENT_LIBS = $(call pc,libs,$(CLIENT_PKGS)) -lnotmuch -lm
TUI_LIBS    = $(call pc,libs,$(TUI_PKGS))
TEST_LIBS   = $(call pc,libs,$(TEST_PKGS) $(SERVER_PKGS) $(CLIENT_PKGS) $(TUI_PKGS)) -lnotmuch \
	-lpthread -lm

PROGRAMS = $(GUICHETD) $(if $(wildcard src/tui/main.c),$(GUICHET))

.PHONY: all check test demo install uninstall asan valgrind fuzz bench clean deps deps-test \
	deps-bench unit scale
.DEFAULT_GOAL := all

all: deps $(PROGRAMS) po

# One `contrib/deps` run per make, before anything is compiled: each rule that
# needs a package waits for `deps` as an order-only prerequisite (| deps), so
# it starts once the packages are there without being rebuilt because of it.
# The level follows the goals (`make check` installs the test packages in the
# same run): two runs at once would fight over apt's lock.
DEPS_LEVEL = $(if $(filter bench valgrind fuzz deps-bench,$(MAKECMDGOALS)),bench,$(if \
	$(filter check test unit asan deps-test,$(MAKECMDGOALS)),test,build))
deps:
	@sh contrib/deps $(DEPS_LEVEL)
deps-test deps-bench: deps

$(B)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCORE): $(call obj,$(CORE_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
$(LIBSERVER): $(call obj,$(SERVER_SRC)) $(B)/gen/web_assets.o
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# The chat page is compiled in (no build step for it, no file to install):
# each file of src/server/web becomes a string of web_assets[] (server/web.h).
WEB_FILES := $(sort $(wildcard src/server/web/*.html src/server/web/*.css src/server/web/*.js))
WEB_C = $(B)/gen/web_assets.c
$(WEB_C): $(WEB_FILES) Makefile
	@mkdir -p $(@D)
	@{ echo '/* Generated from src/server/web by the Makefile. */'; \
	  echo '#include "server/web.h"'; \
	  for f in $(WEB_FILES); do \
	    echo "static const char web_$$(basename $$f | tr -c 'a-z0-9\n' _)[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $$f; \
	    echo ';'; done; \
	  echo 'const struct web_asset web_assets[] = {'; \
	  for f in $(WEB_FILES); do n=web_$$(basename $$f | tr -c 'a-z0-9\n' _); \
	    echo "	{ \"$$(basename $$f)\", $$n, sizeof($$n) - 1 },"; done; \
	  echo '};'; \
	  echo 'const size_t web_assets_count = sizeof(web_assets) / sizeof(web_assets[0]);'; } >$@
$(B)/gen/web_assets.o: $(WEB_C) | deps
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(LIBCLIENT): $(call obj,$(CLIENT_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
$(LIBTUI): $(call obj,$(TUI_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(GUICHETD): $(call obj,src/server/main.c) $(LIBSERVER) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS)

# The default keys are compiled in (as tig does), from keymaps/default.keys.
KEYS_C = $(B)/gen/default_keys.c
$(KEYS_C): keymaps/default.keys
	@mkdir -p $(@D)
	@{ echo '/* Generated from keymaps/default.keys by the Makefile. */'; \
	  echo 'extern const char DEFAULT_KEYS[];'; echo 'const char DEFAULT_KEYS[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } >$@
$(B)/gen/default_keys.o: $(KEYS_C) | deps
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(GUICHET): $(call obj,src/tui/main.c) $(B)/gen/default_keys.o $(LIBTUI) $(LIBCLIENT) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TUI_LIBS) $(CLIENT_LIBS)

# Unit tests link every library; an archive only brings in what a test uses.
$(B)/tests/%: tests/unit/%.c $(LIBTUI) $(LIBCLIENT) $(LIBSERVER) $(LIBCORE) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pc,cflags,cmocka) $(LDFLAGS) -o $@ $< \
		$(LIBTUI) $(LIBCLIENT) $(LIBSERVER) $(LIBCORE) $(TEST_LIBS)

unit: $(UNIT_BINS)

# --- translations ----------------------------------------------------------
PO_FILES := $(wildcard po/*.po)
MO_FILES := $(patsubst po/%.po,$(B)/locale/%/LC_MESSAGES/guichet.mo,$(PO_FILES))
po: $(MO_FILES)
# Messages are written in French in the sources; po/guichet.pot is their
# template, po/en.po the English catalog.  `make pot` after changing them.
pot: deps
	xgettext --language=C -k_ -kN_ --from-code=UTF-8 --package-name=guichet \
		--package-version=$(VERSION) -o po/guichet.pot src/client/*.c src/tui/*.c
	@for p in $(PO_FILES); do msgmerge -q -U --backup=none $$p po/guichet.pot; done
$(B)/locale/%/LC_MESSAGES/guichet.mo: po/%.po | deps
	@mkdir -p $(@D)
	msgfmt -c -o $@ $<
.PHONY: po pot

# --- tests -------------------------------------------------------------------
check: deps all unit
	@B=$(B) sh tests/run

test: check

# Address and undefined-behaviour sanitizers over the whole suite, in build-asan/.
# Its own make finds the packages that this one's deps installed.
asan: deps
	$(MAKE) B=build-asan CC=$(CC) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" check

# The unit tests and the desk (its screen tests) under valgrind's memcheck.
valgrind: deps all unit
	@B=$(B) bash tests/valgrind/run

# libFuzzer targets, built with clang; each runs FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
FUZZ_B = build-fuzz
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined $(WARN) $(DEFS) $(INC) \
	$(call sysinc,$(call pc,cflags,$(CORE_PKGS) $(CLIENT_PKGS) $(TUI_PKGS)))
# The pure client parsers (no curl, no curses) are fuzzed with the core.
FUZZ_CORE = $(CORE_SRC) $(wildcard src/client/sse.c src/client/cmdline.c src/client/keyspec.c \
	src/client/notify.c src/client/palette.c src/client/journal.c src/client/cache_file.c \
	src/client/errbuf.c src/client/durable.c src/client/mail_text.c src/client/spawn.c \
	src/client/mail_lines.c src/client/softphone_msg.c)
fuzz: deps
	@mkdir -p $(FUZZ_B)
	@set -e; for t in $(FUZZ_SRC); do \
		n=$$(basename $$t .c); \
		echo "fuzz: building $$n"; \
		clang $(FUZZ_CFLAGS) -o $(FUZZ_B)/$$n $$t $(FUZZ_CORE) \
			$(call pc,libs,$(CORE_PKGS) $(CLIENT_PKGS)) -lm; \
	done
	@set -e; for t in $(FUZZ_SRC); do \
		n=$$(basename $$t .c); \
		mkdir -p $(FUZZ_B)/corpus/$$n; \
		seeds=tests/fuzz/corpus/$$n; [ -d $$seeds ] || seeds=; \
		echo "fuzz: running $$n for $(FUZZ_SECONDS)s"; \
		$(FUZZ_B)/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-print_final_stats=1 $(FUZZ_B)/corpus/$$n $$seeds 2>$(FUZZ_B)/$$n.log \
			|| { tail -40 $(FUZZ_B)/$$n.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units' $(FUZZ_B)/$$n.log || true; \
	done

# The offline cache's bench is a C program linked like the unit tests.
$(B)/tests/bench_cache: tests/bench/cache_bench.c $(LIBTUI) $(LIBCLIENT) $(LIBSERVER) $(LIBCORE) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< \
		$(LIBTUI) $(LIBCLIENT) $(LIBSERVER) $(LIBCORE) $(TEST_LIBS)

# The scale test: 3 nodes over PostgreSQL, a node killed midway (tests/scale/run);
# its load is a C program of its own (libcurl multi), so that the client is
# not what is measured.
$(B)/scale-load: tests/scale/load.c | deps
	@mkdir -p $(@D)
	$(CC) $(WARN) -D_GNU_SOURCE $(call pc,cflags,libcurl jansson) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(call pc,libs,libcurl jansson) -lm

scale: deps all $(B)/scale-load
	@B=$(B) bash tests/scale/run

bench: deps all $(B)/tests/bench_cache
	@B=$(B) bash tests/bench/run
	@B=$(B) bash tests/bench/desk
	@B=$(B) bash tests/bench/cache
	@B=$(B) bash tests/bench/monitor
	@B=$(B) bash tests/bench/mail

# --- demo --------------------------------------------------------------------
demo: all
	@sh contrib/demo $(B)

# --- install -------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)
	install -m 755 $(GUICHETD) $(DESTDIR)$(SBINDIR)/guichetd
	install -m 644 doc/guichetd.8 $(DESTDIR)$(MANDIR)/man8/guichetd.8
	@if [ -f $(GUICHET) ]; then \
		install -d $(DESTDIR)$(BINDIR); \
		install -m 755 $(GUICHET) $(DESTDIR)$(BINDIR)/guichet; fi
	@for m in doc/*.1; do [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/ || true; done
	@for m in doc/*.5; do [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/ || true; done
	@for d in themes keymaps; do [ -d $$d ] && cp -R $$d $(DESTDIR)$(DATADIR)/ || true; done
	@for mo in $(MO_FILES); do \
		l=$$(echo $$mo | sed 's|$(B)/locale/||'); \
		install -D -m 644 $$mo $(DESTDIR)$(LOCALEDIR)/$$l; done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/guichetd $(DESTDIR)$(BINDIR)/guichet \
		$(DESTDIR)$(MANDIR)/man8/guichetd.8 $(DESTDIR)$(MANDIR)/man1/guichet.1 \
		$(DESTDIR)$(MANDIR)/man5/guichetrc.5
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
