# actor-run: build, test, try it. `make demo` and `make test` are the two commands a new machine needs.
SWIFT    ?= swift
PREFIX   ?= /usr/local
SUDO     := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
BIN       = $(shell $(SWIFT) build --show-bin-path)
RELEASE   = $(shell $(SWIFT) build -c release --show-bin-path)
# The Swift runtime and Foundation linked in: the binaries run where no Swift is installed (libcurl stays the
# system's, for its CA store and security updates).
# Concrete generic types through their metadata accessors rather than by mangled name: a mangled name is resolved at
# run time by checking the type's generic requirements, each first check a scan of every protocol conformance in the
# binary. A short run does about 30 % fewer such scans and starts about 1 ms sooner (make bench).
# libstdc++ (the Swift runtime's C++ library) linked in too, rather than loaded and initialised at every start: a
# linker script named libstdc++.so, found before the system's, sends the toolchain's -lstdc++ to the static archive
# (about 0.5 ms sooner per run and 0.8 MB less RSS, make bench; and one run-time dependency less).
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -gline-tables-only \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
# The toolchain's own clang (beside swift, whatever PATH says under sudo) knows where GCC keeps libstdc++.a.
SWIFT_BIN    := $(dir $(realpath $(shell command -v $(SWIFT))))
LIBSTDCXX_A  := $(shell $(SWIFT_BIN)clang -print-file-name=libstdc++.a 2>/dev/null)
STATIC_CXX    = .build/static-libstdc++
ifneq ($(LIBSTDCXX_A),$(notdir $(LIBSTDCXX_A)))
RELEASE_FLAGS += -Xswiftc -L$(CURDIR)/$(STATIC_CXX)
RELEASE_DEPS   = $(STATIC_CXX)/libstdc++.so
endif
# Code layout: every function in a section of its own, placed by lld in the order of scripts/link-order.txt (the
# functions a run executes, `make link-order`), so that they share few of the 64 KiB windows the kernel maps around a
# page fault; and, where glibc reads them (2.36+), relative relocations packed (DT_RELR): 8 KB of them for the loader
# to read at start instead of 940 KB. Together about 3 MB less RSS per run (make bench). Without the toolchain's
# lld, the build goes on with the default linker and neither.
LLD          := $(wildcard $(SWIFT_BIN)ld.lld)
LINK_ORDER    = scripts/link-order.txt
GLIBC_VERSION := $(shell getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $$2 }')
ifneq ($(LLD),)
RELEASE_FLAGS += -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xswiftc -use-ld=lld \
	-Xlinker --symbol-ordering-file=$(CURDIR)/$(LINK_ORDER) -Xlinker --no-warn-symbol-ordering
ifeq ($(shell printf '2.36\n$(GLIBC_VERSION)\n' | sort -V | head -n 1),2.36)
RELEASE_FLAGS += -Xlinker -z -Xlinker pack-relative-relocs
endif
endif
SOURCES   = Sources Tests Package.swift
# What `make install` installs from: release (optimised, stripped) or debug (what `make test` checks it with).
CONFIG   ?= release
ifeq ($(CONFIG),release)
CONFIG_FLAGS = $(RELEASE_FLAGS)
CONFIG_DEPS  = $(RELEASE_DEPS)
STRIP        = -s
else
CONFIG_FLAGS =
CONFIG_DEPS  =
STRIP        =
endif
# Where `make install` puts each kind of file, under $(DESTDIR)$(PREFIX).
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man/man1
BASHDIR   = $(PREFIX)/share/bash-completion/completions
ZSHDIR    = $(PREFIX)/share/zsh/site-functions
FISHDIR   = $(PREFIX)/share/fish/vendor_completions.d
SHARE     = .build/share

.PHONY: FORCE all deps build release link-order test unit conformance demo share install uninstall install-check lint \
	format bench fuzz clean

all: build

## deps: install libcurl's headers (Debian/Ubuntu) when they are missing
deps:
	@if ! pkg-config --exists libcurl 2>/dev/null && ! [ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] \
	    && ! [ -f /usr/include/curl/curl.h ]; then \
	  echo "make: installing libcurl4-openssl-dev"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libcurl4-openssl-dev; \
	fi

## build: debug build of actor-run and apify-emulator
build: deps
	$(SWIFT) build

## release: optimized binaries in $(RELEASE), needing only libcurl at run time
release: deps $(RELEASE_DEPS)
	@# SwiftPM does not see the order file: a binary older than it is linked again.
	@bin="$(RELEASE)/actor-run"; [ ! "$(LINK_ORDER)" -nt "$$bin" ] || rm -f "$$bin"
	$(SWIFT) build $(RELEASE_FLAGS)

## link-order: list anew the functions the release binary runs on its common paths, for the linker (needs valgrind)
link-order: release
	python3 scripts/link-order.py "$(RELEASE)" > $(LINK_ORDER).new || { rm -f $(LINK_ORDER).new; exit 1; }
	mv $(LINK_ORDER).new $(LINK_ORDER)
	$(MAKE) --no-print-directory release

# Rewritten whenever the archive's path changes (a GCC upgrade), never otherwise (no needless relinks).
$(STATIC_CXX)/libstdc++.so: FORCE
	@mkdir -p $(@D)
	@echo 'INPUT($(LIBSTDCXX_A))' | cmp -s - $@ || echo 'INPUT($(LIBSTDCXX_A))' > $@

FORCE:

## test: every test: unit, end-to-end (the built binary against the emulator), conformance, a short chaos run,
## and `make install` into a scratch directory
test: unit conformance chaos-short install-check

unit: build
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	ACTOR_RUN_STRESS=1 $(SWIFT) test --skip-build --filter LargeRecordTests

## conformance: the emulator against Apify's OpenAPI spec and the official Python client
conformance: build
	APIFY_EMULATOR_BIN=$(BIN)/apify-emulator bash Tests/conformance/run.sh

## chaos: 500 invocations against fresh emulators with random faults and interrupts (Tests/chaos; CHAOS_ARGS=--seed S)
.PHONY: chaos chaos-short
chaos: build
	bash Tests/chaos/run.sh "$(BIN)" --count 500 $(CHAOS_ARGS)

## chaos-short: the same, 40 invocations, for `make test`
chaos-short: build
	bash Tests/chaos/run.sh "$(BIN)" --count 40 --timeout 45 $(CHAOS_ARGS)

## demo: build, start the emulator, run apify/hello-world against it, stop the emulator
demo: build
	@bin="$(BIN)"; url_file=$$(mktemp); \
	"$$bin/apify-emulator" --port 0 --token demo-token --quiet > "$$url_file" & emulator=$$!; \
	trap 'kill $$emulator 2>/dev/null; rm -f "$$url_file"' EXIT; \
	for i in $$(seq 100); do [ -s "$$url_file" ] && break; sleep 0.1; done; \
	url=$$(head -n 1 "$$url_file"); \
	echo "emulator: $$url"; \
	echo "\$$ actor-run apify/hello-world --memory 1024 --input '{\"message\": \"Apify\"}'"; \
	APIFY_API_BASE_URL="$$url" APIFY_TOKEN=demo-token \
	  "$$bin/actor-run" apify/hello-world --memory 1024 --input '{"message": "Apify"}'

## share: the man page (generated from the command tree by ArgumentParser's generate-manual, then made into clean
## mdoc) and the bash, zsh and fish completion scripts, into .build/share
share: deps $(CONFIG_DEPS)
	$(SWIFT) build $(CONFIG_FLAGS) --product actor-run
	$(SWIFT) build $(CONFIG_FLAGS) --product generate-manual
	@bin="$$($(SWIFT) build $(CONFIG_FLAGS) --show-bin-path)"; set -e; \
	rm -rf "$(SHARE)"; mkdir -p "$(SHARE)/raw" "$(SHARE)/completions"; \
	"$$bin/generate-manual" "$$bin/actor-run" --section 1 --authors "the actor-run authors" \
	  --output-directory "$(SHARE)/raw" >/dev/null; \
	awk -f scripts/man-polish.awk "$(SHARE)/raw/actor-run.1" > "$(SHARE)/actor-run.1"; \
	for shell in bash zsh fish; do \
	  "$$bin/actor-run" --generate-completion-script $$shell > "$(SHARE)/completions/actor-run.$$shell"; \
	done

## install: actor-run and apify-emulator into $(DESTDIR)$(PREFIX)/bin, the man page and the completions beside them
install: share
	$(SWIFT) build $(CONFIG_FLAGS) --product apify-emulator
	@bin="$$($(SWIFT) build $(CONFIG_FLAGS) --show-bin-path)"; set -e; \
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHDIR)" "$(DESTDIR)$(ZSHDIR)" \
	  "$(DESTDIR)$(FISHDIR)"; \
	install $(STRIP) -m 755 "$$bin/actor-run" "$$bin/apify-emulator" "$(DESTDIR)$(BINDIR)/"; \
	install -m 644 "$(SHARE)/actor-run.1" "$(DESTDIR)$(MANDIR)/actor-run.1"; \
	install -m 644 "$(SHARE)/completions/actor-run.bash" "$(DESTDIR)$(BASHDIR)/actor-run"; \
	install -m 644 "$(SHARE)/completions/actor-run.zsh" "$(DESTDIR)$(ZSHDIR)/_actor-run"; \
	install -m 644 "$(SHARE)/completions/actor-run.fish" "$(DESTDIR)$(FISHDIR)/actor-run.fish"; \
	echo "installed actor-run, apify-emulator, actor-run(1) and completions under $(DESTDIR)$(PREFIX)"

## uninstall: remove what `make install` installed (same PREFIX and DESTDIR)
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/actor-run" "$(DESTDIR)$(BINDIR)/apify-emulator" "$(DESTDIR)$(MANDIR)/actor-run.1" \
	  "$(DESTDIR)$(BASHDIR)/actor-run" "$(DESTDIR)$(ZSHDIR)/_actor-run" "$(DESTDIR)$(FISHDIR)/actor-run.fish"

## install-check: `make install` (debug binaries) into a scratch DESTDIR; checks what landed works, then uninstalls
install-check:
	@dest=$$(mktemp -d); trap 'rm -rf "$$dest"' EXIT; set -e; \
	$(MAKE) --no-print-directory install CONFIG=debug DESTDIR="$$dest" PREFIX=/usr/local >/dev/null; \
	bash Tests/install/check.sh "$$dest/usr/local"; \
	$(MAKE) --no-print-directory uninstall DESTDIR="$$dest" PREFIX=/usr/local >/dev/null; \
	left=$$(find "$$dest" -type f); [ -z "$$left" ] || { echo "install-check: left after uninstall: $$left"; exit 1; }; \
	echo "install-check: ok"

## lint: the toolchain's swift-format, strict
lint:
	$(SWIFT) format lint --strict -r $(SOURCES)

format:
	$(SWIFT) format format -i -r $(SOURCES)

## bench: start-up, a whole run and a large record, against the Apify CLI-like baseline (see README)
bench: release
	bash Tests/bench/run.sh "$(RELEASE)"

## fuzz: libFuzzer and AddressSanitizer on run decoding, the JSON checker and flag values, FUZZ_SECONDS (60) each
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = run-object json-checker flag-values
FUZZ_BUILD    = -c release --scratch-path .build-fuzz -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address \
                -Xswiftc -enable-experimental-feature -Xswiftc Extern
fuzz: deps
	@set -e; for target in $(FUZZ_TARGETS); do $(SWIFT) build $(FUZZ_BUILD) --product fuzz-$$target; done
	@bin=$$($(SWIFT) build $(FUZZ_BUILD) --show-bin-path); status=0; \
	for target in $(FUZZ_TARGETS); do \
	  corpus=.build-fuzz/corpus/$$target; crashes=.build-fuzz/crashes/$$target; log=.build-fuzz/$$target.log; \
	  mkdir -p $$corpus $$crashes; \
	  if SWIFT_BACKTRACE=enable=no "$$bin/fuzz-$$target" -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	      -artifact_prefix=$$crashes/ $$corpus Tests/fuzz/corpus/$$target > $$log 2>&1; then \
	    echo "fuzz-$$target: $$(grep -m1 '^Done' $$log), corpus $$(ls $$corpus | wc -l) inputs, no crash"; \
	  else \
	    status=1; tail -n 30 $$log; \
	    echo "fuzz-$$target FAILED: input in $$crashes/, log in $$log; see Tests/fuzz/README.md"; \
	  fi; \
	done; exit $$status

clean:
	rm -rf .build .build-* .venv
