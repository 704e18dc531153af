# migc - build-time migration compiler. Plain make; outputs under $(BUILD).
#
#   make                 build/migc, build/libmigc.a
#   make test            unit + end-to-end tests ("N passed, N failed" last)
#   make test SANITIZE=1 the same under ASan+UBSan (outputs in build/asan)
#   make deps            install the Debian packages in .ci/packages (root or sudo)
#   make demo            compile templates/example into a binary, run it on SQLite
#   make bench           benchmarks against measured floors (QUICK=1: short)
#   make lint            banned functions, cppcheck
#   make format          clang-format every C file
#   make install PREFIX=/usr/local DESTDIR=   (make uninstall with the same)
#   make SQLITE_LIBS=-lsqlite3   release binaries with the shared SQLite (the
#                        default links libsqlite3.a when the compiler finds it)

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
PKG_CONFIG ?= pkg-config

ifeq ($(SANITIZE),1)
BUILD   ?= build/asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS =
endif

WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags sqlite3 libxxhash libpq)
# libpq: headers only. The runtime loads it with dlopen() the first time a
# PostgreSQL URL is used (runtime/pq_load.c), so a release binary starts
# without it and runs SQLite where it is not installed.
RT_LIBS    := $(shell $(PKG_CONFIG) --libs sqlite3)
# SQLite goes into a release binary statically when the C compiler finds
# libsqlite3.a (Debian's libsqlite3-dev ships it): the binary then needs only
# libc and libm at run time, and starts faster (no libsqlite3.so to map and
# relocate). The price: a SQLite security fix needs the binary rebuilt. The
# archive needs libm (SQL math functions) after it; libm stays shared (a
# static glibc libm does not link: ifuncs), and -ldl/-pthread follow in
# LINK_LIBS. Without the archive it is the shared library, as pkg-config
# says. `make SQLITE_LIBS=-lsqlite3` chooses the shared one anyway; at
# `migc build` time MIGC_LINK_LIBS replaces the whole list.
SQLITE_A   := $(shell $(CC) -print-file-name=libsqlite3.a 2>/dev/null)
ifneq ($(findstring /,$(SQLITE_A)),)
SQLITE_LIBS ?= $(filter -L%,$(RT_LIBS)) -Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic -lm
else
SQLITE_LIBS ?= $(RT_LIBS)
endif
# dlopen() is in libc since glibc 2.34 and on musl; older glibc needs -ldl.
DL_LIBS    := $(shell printf '\043include <dlfcn.h>\nint main(void) { return dlopen("x", RTLD_NOW) != 0; }\n' | \
	$(CC) -x c - -o /dev/null >/dev/null 2>&1 || echo -ldl)
# The CLI's live progress line runs on a thread (runtime/cli_progress.c):
# in libc since glibc 2.34 and on musl, -lpthread before.
THREAD_LIBS = -pthread
GIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags libgit2)
GIT_LIBS   := $(shell $(PKG_CONFIG) --libs libgit2)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -Iinclude -Iruntime $(DEP_CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

RT_SRC   := $(sort $(wildcard runtime/*.c))
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/%.o)
CC_SRC   := $(sort $(wildcard compiler/*.c))
CC_OBJ   := $(CC_SRC:%.c=$(BUILD)/%.o)
# Everything of the compiler but main(): unit tests link it to test the
# emitter and the sources directly.
CC_LIBOBJ := $(filter-out $(BUILD)/compiler/main.o,$(CC_OBJ))
CCLIB    = $(BUILD)/libmigc_compiler.a
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_LIB := $(BUILD)/tests/unit_main.o

LIB   = $(BUILD)/libmigc.a
MIGC  = $(BUILD)/migc

# What a release binary links besides libmigc.a; the compiler records it so
# `migc build --binary` links the same way in-tree and installed.
# Order matters with static archives and -Wl,--as-needed: SQLite after
# libmigc.a, then what SQLite needs (libm, dlopen, threads).
LINK_LIBS = $(SQLITE_LIBS) $(DL_LIBS) $(THREAD_LIBS)

.PHONY: all deps test unit e2e demo lint format install clean headertest soak bench
all: $(LIB) $(MIGC)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/compiler/%.o: ALL_CFLAGS += $(GIT_CFLAGS) -I$(BUILD)/gen \
	-DMIGC_LINK_LIBS='"$(strip $(LINK_LIBS))"' -DMIGC_SYS_LIBS='"$(strip $(DL_LIBS) $(THREAD_LIBS))"' \
	-DMIGC_PREFIX='"$(PREFIX)"'

# LINK_LIBS is compiled into migc (toolchain.h): a stamp that changes with
# it, so installing libsqlite3-dev (or setting SQLITE_LIBS) takes effect at
# the next make.
$(BUILD)/link_libs.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(strip $(LINK_LIBS))' | cmp -s - $@ || echo '$(strip $(LINK_LIBS))' >$@
$(BUILD)/compiler/toolchain.o $(BUILD)/compiler/cmd_build.o: $(BUILD)/link_libs.stamp
.PHONY: FORCE
FORCE:

# The bundle template, compiled into migc as one C string per line.
$(BUILD)/gen/bundle_template.h: templates/bundle.c.in
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/\t/\\t/g' \
	    -e 's/^/"/' -e 's/$$/\\n",/' $< >$@.tmp && mv $@.tmp $@
$(BUILD)/compiler/render.o: $(BUILD)/gen/bundle_template.h

$(LIB): $(RT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CCLIB): $(CC_LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(MIGC): $(BUILD)/compiler/main.o $(CCLIB) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BUILD)/compiler/main.o $(CCLIB) $(LIB) $(GIT_LIBS) $(LINK_LIBS)
	@mkdir -p $(BUILD)/include && cp include/*.h $(BUILD)/include/

$(BUILD)/tests/unit_main.o: tests/unit/unit.c tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -c $< -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_LIB) $(CCLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(GIT_CFLAGS) -Icompiler -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(UNIT_LIB) $(CCLIB) $(LIB) $(GIT_LIBS) $(LINK_LIBS)

test: all $(UNIT_BIN)
	@BUILD=$(BUILD) CC="$(CC)" SANITIZE=$(SANITIZE) bash tests/run.sh

unit: all $(UNIT_BIN)
	@BUILD=$(BUILD) ONLY=unit bash tests/run.sh

e2e: all
	@BUILD=$(BUILD) CC="$(CC)" ONLY=e2e bash tests/run.sh

soak: all
	@BUILD=$(BUILD) bash tests/soak.sh

# Benchmarks against measured floors (BENCHMARKS.md); QUICK=1 for a short run.
bench: all
	@BUILD=$(BUILD) QUICK=$(QUICK) LINK_LIBS="$(LINK_LIBS)" bash tests/bench/run.sh

deps:
	@bash .ci/install-deps

demo: all
	@BUILD=$(BUILD) bash templates/example/demo.sh

lint:
	@bash tests/lint.sh

format:
	clang-format -i $(RT_SRC) $(CC_SRC) include/*.h runtime/*.h compiler/*.h tests/unit/*.c tests/unit/*.h

# The installed layout. `migc build --binary` finds libmigc.a and migc.h from
# where migc itself is (bin/../lib, bin/../include), so they stay beside bin/
# and an installed tree can be moved as a whole. Only the static library is
# installed: a release binary must not need libmigc at run time, and a bundle
# is tied to the runtime it was compiled with (bundle ABI), which linking
# statically keeps together.
VERSION    := $(shell sed -n 's/^\#define MIGC_VERSION "\(.*\)"$$/\1/p' include/migc.h)
MANDIR      = $(PREFIX)/share/man
TEMPLATEDIR = $(PREFIX)/share/migc/templates
# The files users copy: not the bundle template (compiled into migc), the man
# page sources, the pkg-config template or the in-tree demo script.
TEMPLATES  := $(filter-out templates/bundle.c.in templates/migc.pc.in templates/man/% \
	templates/example/demo.sh,$(sort $(shell find templates -type f)))

.PHONY: uninstall
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(MIGC) $(DESTDIR)$(PREFIX)/bin/migc
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libmigc.a
	install -m 644 include/*.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LINK_LIBS@|$(strip $(LINK_LIBS))|' -e 's| *$$||' templates/migc.pc.in \
		>$(DESTDIR)$(PREFIX)/lib/pkgconfig/migc.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/migc.pc
	install -m 644 templates/man/migc.1 templates/man/migrate.1 $(DESTDIR)$(MANDIR)/man1/
	@for f in $(TEMPLATES); do \
		d="$(DESTDIR)$(TEMPLATEDIR)/$${f#templates/}"; m=644; \
		if [ -x "$$f" ]; then m=755; fi; \
		install -d "$${d%/*}" && install -m $$m "$$f" "$$d" || exit 1; \
	done
	@echo "installed migc $(VERSION) in $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/migc $(DESTDIR)$(PREFIX)/lib/libmigc.a \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/migc.pc \
		$(DESTDIR)$(MANDIR)/man1/migc.1 $(DESTDIR)$(MANDIR)/man1/migrate.1 \
		$(addprefix $(DESTDIR)$(PREFIX)/include/,$(notdir $(wildcard include/*.h)))
	rm -rf $(DESTDIR)$(PREFIX)/share/migc

clean:
	rm -rf build

-include $(RT_OBJ:.o=.d) $(CC_OBJ:.o=.d)
