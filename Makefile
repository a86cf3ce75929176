# mdx - one top-level makefile.  Targets: all check install uninstall clean
# demo bench deps.  Put local overrides in config.mak.

-include config.mak

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
# The configuration and the jobs' state: /etc and /var for the system's
# prefixes, else under the prefix.
ifneq ($(filter /usr /usr/local,$(PREFIX)),)
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
else
SYSCONFDIR ?= $(PREFIX)/etc
LOCALSTATEDIR ?= $(PREFIX)/var
endif
DESTDIR ?=

PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
WARNFLAGS = -Wall -Wextra -Wno-unused-parameter
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif
ifeq ($(CI),true)
WARNFLAGS += -Werror
endif

CURL_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS ?= $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
JANSSON_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS ?= $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
PQ_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
PQ_LIBS ?= $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null || echo -lpq)
ARCHIVE_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libarchive 2>/dev/null)
ARCHIVE_LIBS ?= $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null || echo -larchive)
ZLIB_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags zlib 2>/dev/null)
ZLIB_LIBS ?= $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz)
CRYPTO_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
CRYPTO_LIBS ?= $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
DEFLATE_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libdeflate 2>/dev/null)
DEFLATE_LIBS ?= $(shell $(PKG_CONFIG) --libs libdeflate 2>/dev/null || echo -ldeflate)

ifeq ($(SANITIZE),1)
O ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
else
O ?= build
SANFLAGS =
endif

MIGRATIONS := $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql))
SCHEMA_VERSION := $(or $(lastword $(patsubst sql/%,%,$(foreach m,$(MIGRATIONS),$(firstword $(subst _, ,$(m)))))),0)
SCHEMA_VERSION_NUM := $(shell expr $(SCHEMA_VERSION) + 0)

ALL_CPPFLAGS = -iquote lib -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DMDX_SCHEMA_VERSION=$(SCHEMA_VERSION_NUM) \
	$(CURL_CFLAGS) $(JANSSON_CFLAGS) $(PQ_CFLAGS) $(ARCHIVE_CFLAGS) \
	$(ZLIB_CFLAGS) $(CRYPTO_CFLAGS) $(DEFLATE_CFLAGS) $(CPPFLAGS)
# -MMD -MP: each object's header dependencies, read back below.
ALL_CFLAGS = -std=c11 -MMD -MP $(WARNFLAGS) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LIBS = $(CURL_LIBS) $(JANSSON_LIBS) $(PQ_LIBS) $(ARCHIVE_LIBS) \
	$(ZLIB_LIBS) $(CRYPTO_LIBS) $(DEFLATE_LIBS) -lm
# Each program records only the shared libraries it calls: a program that
# never fetches or unpacks does not load libcurl, libarchive and what
# they pull in (TLS, LDAP, XML, ICU) at every start.  Empty it for a
# linker without the option.
AS_NEEDED ?= -Wl,--as-needed

# lib/: the library every program links (libmdx.a).  tools/NAME/: the
# program mdx-NAME, its main.c and its engine; the engine's objects also
# form $(O)/tools/NAME/engine.a, which the unit tests link.
PROGRAMS := aggregate extract indicators lake load transform
LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(patsubst lib/%.c,$(O)/lib/%.o,$(LIB_SRC)) $(O)/lib/migrations.o
TOOLS := $(patsubst %,$(O)/mdx-%,$(PROGRAMS))
ENGINES := $(patsubst %,$(O)/tools/%/engine.a,$(PROGRAMS))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNITS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
MAN1 := $(sort $(wildcard man/*.1))
MAN5 := $(sort $(wildcard man/*.5))
MAN7 := $(sort $(wildcard man/*.7))

.PHONY: all check unit install uninstall clean demo bench deps lint-man

all: $(TOOLS)

$(O)/lib/%.o: lib/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The schema version is a -D flag taken from the newest migration: a new
# migration must rebuild the code that compares versions.
$(O)/lib/db.o: $(MIGRATIONS)

# The migrations in sql/ are compiled into every program.
$(O)/lib/migrations.c: $(MIGRATIONS) lib/gen-migrations.sh
	@mkdir -p $(@D)
	sh lib/gen-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(O)/lib/migrations.o: $(O)/lib/migrations.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libmdx.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# A program's own headers are found beside its sources (quote includes
# search the including file's directory first).
$(O)/tools/%.o: tools/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# One rule per program: mdx-NAME is main.o, its engine and libmdx.a.
define program
$(O)/tools/$(1)/engine.a: $$(patsubst %.c,$(O)/%.o,$$(filter-out \
    tools/$(1)/main.c,$$(wildcard tools/$(1)/*.c)))
	rm -f $$@
	$$(AR) rcs $$@ $$^

$(O)/mdx-$(1): $(O)/tools/$(1)/main.o $(O)/tools/$(1)/engine.a $(O)/libmdx.a
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(AS_NEEDED) $$(LIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program,$(p))))

# Unit tests may test any engine: they see every program's headers and
# link every engine before the library.
UNIT_CPPFLAGS = $(ALL_CPPFLAGS) -iquote tests/unit \
	$(patsubst %,-iquote tools/%,$(PROGRAMS))

$(O)/tests/%: tests/unit/%.c $(ENGINES) $(O)/libmdx.a
	@mkdir -p $(@D)
	$(CC) $(UNIT_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) \
		-o $@ $< $(ENGINES) $(O)/libmdx.a $(LIBS)

-include $(wildcard $(O)/lib/*.d $(O)/tools/*/*.d $(O)/tests/*.d)

unit: $(UNITS)

# make check: every TAP test under prove; the last line is
# "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all unit
	@MDX_BUILD=$(abspath $(O)) tests/run.sh

lint-man:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN7)

# make install: the programs and the front command mdx in BINDIR, the
# pipelines in LIBEXECDIR/mdx (mdx runs them), the man pages, the crontab,
# the systemd units and the configuration as examples in DATADIR/mdx/
# examples, and the configuration and the watchlist in SYSCONFDIR/mdx
# unless they are there already.  The scripts and examples get the
# installed paths (SUBST); the paths never include DESTDIR.
MDX_LIBEXEC = $(LIBEXECDIR)/mdx
MDX_CONFDIR = $(SYSCONFDIR)/mdx
MDX_VARDIR = $(LOCALSTATEDIR)/lib/mdx
MDX_EXAMPLES = $(DATADIR)/mdx/examples
PIPELINES := backfill chart common.sh cron-run embedded etl.sh ingest \
	maintain oi repair rollup status
EXAMPLES := crontab mdx.conf watchlist $(notdir $(wildcard cron/mdx-*.service \
	cron/mdx-*.timer))
CONFIG := mdx.conf watchlist
SUBST = sed -e 's|@MDX_BINDIR@|$(BINDIR)|g' \
	-e 's|@MDX_LIBEXEC@|$(MDX_LIBEXEC)|g' \
	-e 's|@MDX_CONFDIR@|$(MDX_CONFDIR)|g' \
	-e 's|@MDX_VARDIR@|$(MDX_VARDIR)|g' \
	-e 's|@MDX_EXAMPLES@|$(MDX_EXAMPLES)|g'

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MDX_LIBEXEC) \
		$(DESTDIR)$(MDX_EXAMPLES) $(DESTDIR)$(MDX_CONFDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS); do install -m 755 $$t $(DESTDIR)$(BINDIR)/; done
	$(SUBST) pipelines/mdx >$(DESTDIR)$(BINDIR)/mdx
	chmod 755 $(DESTDIR)$(BINDIR)/mdx
	for p in $(PIPELINES); do \
		$(SUBST) pipelines/$$p >$(DESTDIR)$(MDX_LIBEXEC)/$$p && \
		chmod 755 $(DESTDIR)$(MDX_LIBEXEC)/$$p || exit 1; done
	chmod 644 $(DESTDIR)$(MDX_LIBEXEC)/common.sh $(DESTDIR)$(MDX_LIBEXEC)/etl.sh
	for e in $(EXAMPLES); do \
		$(SUBST) cron/$$e >$(DESTDIR)$(MDX_EXAMPLES)/$$e && \
		chmod 644 $(DESTDIR)$(MDX_EXAMPLES)/$$e || exit 1; done
	for c in $(CONFIG); do f=$(DESTDIR)$(MDX_CONFDIR)/$$c; \
		if [ -e $$f ]; then echo "kept $$f"; else \
		$(SUBST) cron/$$c >$$f && chmod 644 $$f || exit 1; fi; done
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in $(MAN5); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/; done
	for m in $(MAN7); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man7/; done

# make uninstall removes what install put in place; the configuration
# only when it is still as installed (an edited one is kept, and named).
uninstall:
	for t in $(notdir $(TOOLS)) mdx; do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	for p in $(PIPELINES); do rm -f $(DESTDIR)$(MDX_LIBEXEC)/$$p; done
	for e in $(EXAMPLES); do rm -f $(DESTDIR)$(MDX_EXAMPLES)/$$e; done
	for c in $(CONFIG); do f=$(DESTDIR)$(MDX_CONFDIR)/$$c; \
		[ -e $$f ] || continue; \
		if $(SUBST) cron/$$c | cmp -s - $$f; then rm -f $$f; \
		else echo "kept $$f: it was changed"; fi; done
	-rmdir $(DESTDIR)$(MDX_LIBEXEC) $(DESTDIR)$(MDX_EXAMPLES) \
		$(DESTDIR)$(DATADIR)/mdx $(DESTDIR)$(MDX_CONFDIR) 2>/dev/null
	for m in $(notdir $(MAN1)); do rm -f $(DESTDIR)$(MANDIR)/man1/$$m; done
	for m in $(notdir $(MAN5)); do rm -f $(DESTDIR)$(MANDIR)/man5/$$m; done
	for m in $(notdir $(MAN7)); do rm -f $(DESTDIR)$(MANDIR)/man7/$$m; done

deps:
	@tools/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	MDX_BUILD=$(abspath $(O)) pipelines/demo

bench: all
	MDX_BUILD=$(abspath $(O)) bench/run.sh $(BENCH)

# O= names the build directory (default build, build-san with SANITIZE=1).
clean:
	rm -rf $(O)

# ------------------------------------------------------------------------
# Fuzzing (tests/fuzz/): libFuzzer targets built with clang, ASan and
# UBSan into $(O)/fuzz/.  `make fuzz` runs each for FUZZ_SECONDS over its
# seed corpus (tests/fuzz/corpus/NAME, read only); new inputs go to
# $(O)/fuzz/corpus/NAME and crashes to $(O)/fuzz/crash-*.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -O1 -g $(WARNFLAGS) $(FUZZ_SAN)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRC))
# The fuzzers reach into the library and the engines of mdx-transform and
# mdx-indicators, so they get every engine's sources and headers.
FUZZ_LIB_SRC := $(LIB_SRC) $(filter-out %/main.c,$(wildcard tools/*/*.c))
FUZZ_LIB_OBJ := $(patsubst %.c,$(O)/fuzz/%.o,$(FUZZ_LIB_SRC)) \
	$(O)/fuzz/lib/migrations.o

$(O)/fuzz/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(FUZZ_CC) $(UNIT_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-c -o $@ $<

# lib/db.c (in mdx-extract's planning) needs the migrations.
$(O)/fuzz/lib/migrations.o: $(O)/lib/migrations.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(UNIT_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(O)/fuzz/libmdx.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJ)

$(O)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h tests/fuzz/fuzz-tx.h \
    $(O)/fuzz/libmdx.a
	$(FUZZ_CC) $(UNIT_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(O)/fuzz/libmdx.a $(LIBS) -lz

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@for f in $(FUZZ_BIN); do n=$${f##*/fuzz-}; \
	    mkdir -p $(O)/fuzz/corpus/$$n; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(O)/fuzz/ $(O)/fuzz/corpus/$$n \
		tests/fuzz/corpus/$$n || exit 1; done
