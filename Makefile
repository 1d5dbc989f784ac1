# SPDX-License-Identifier: GPL-2.0
#
# revokestorm: build, tests, fuzzing, benchmarks.  `make help` lists the targets.
# The kernel uAPI headers (KHDR) and the kselftest harness (KSRC) come from the lab's
# Linux >= 7.2 tree; `./run.sh setup` fetches and builds it, `make` never downloads.

CC		?= gcc
CLANG		?= clang
O		:= build
RS_CACHE	?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/revokestorm
FLAVOUR		?= default

KSRC		?= $(shell RS_NO_FETCH=1 vm/fetch-source.sh 2>/dev/null)
KART		?= $(shell RS_NO_FETCH=1 vm/build-kernel.sh --flavour $(FLAVOUR) --print-dir 2>/dev/null)
# The headers of the kernel this tree's patches build; else the newest lab build's.
KHDR		?= $(or $(if $(wildcard $(KART)/headers/include/linux/vfio.h),$(KART)/headers/include),$(lastword $(sort $(wildcard $(RS_CACHE)/kernels/$(FLAVOUR)-*/headers/include))))
KSELFTEST	:= $(KSRC)/tools/testing/selftests
# The guest's hard limit for all VM tests of one kernel (a hang is caught far earlier by the
# tests' own timeouts; this is a net for a guest that stalls).  Under a loaded CI host
# TCG runs them in 15-20 minutes.
VM_TIMEOUT	?= 2700
# perf built from the lab's source (tests/outputs/build-perf.sh), for tests/vm/perf_report_test.sh
PERF_GUEST	?= $(lastword $(sort $(wildcard $(RS_CACHE)/perf/*/perf)))

PKGS		:= liburing libnl-3.0 libnl-genl-3.0 libnl-route-3.0 libibverbs libdrm json-c libtracefs \
		   libtraceevent
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN		:= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
		   -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
		   $(if $(filter 1,$(WERROR)),-Werror)
CFLAGS		?= -O2 -g
override CFLAGS	+= -std=gnu11 -D_GNU_SOURCE $(WARN) -MMD -MP -Iinclude \
		   $(if $(KHDR),-isystem $(KHDR)) $(PKG_CFLAGS) \
		   $(if $(KHDR),-idirafter $(KHDR)/../test) \
		   $(if $(KSRC),-idirafter $(KSRC)/drivers/iommu/iommufd)
LDLIBS		+= $(PKG_LIBS) -lpthread -lm

LIB_SRCS	:= $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(O)/%.o)
UNIT_TESTS	:= $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*_test.c))
VM_TESTS	:= $(patsubst tests/vm/%.c,$(O)/tests/vm/%,$(wildcard tests/vm/*_test.c))
FUZZERS		:= $(patsubst fuzz/%.c,$(O)/fuzz/%,$(wildcard fuzz/*_fuzz.c))
BENCHES		:= $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/*.c))

PYTHON		?= /usr/bin/python3
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
DATADIR		?= $(PREFIX)/share/revokestorm
DOCDIR		?= $(PREFIX)/share/doc/revokestorm
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
MANPAGES	:= $(O)/man/revokestorm.1 $(O)/man/revokestorm-scenario.5

all: $(O)/revokestorm man

help:
	@echo "make                 build $(O)/revokestorm"
	@echo "make check           unit tests on the host, a short fuzz run, then the VM tests in the lab"
	@echo "make check-unit      unit tests only (seconds)"
	@echo "make check-tsan      unit tests under ThreadSanitizer (in make check)"
	@echo "make check-asan      unit tests under AddressSanitizer + UBSan (in make check)"
	@echo "make check-vm        VM tests only (boots the lab kernel under QEMU)"
	@echo "make check-lab       tests of the lab scripts themselves (bad input, timeouts, kernel reports)"
	@echo "make check-vm-debug  VM tests on the debug kernel (lockdep, KASAN); builds it if needed"
	@echo "make check-matrix    the storm matrix alone in the lab (--cover; RS_MATRIX_ARGS for more)"
	@echo "make check-findings  the tests of docs/findings.md on the stock kernel (plain 7.2, no patch)"
	@echo "make check-findings-7.3  the same on Linux 7.3 stock and 7.3 with the fixes (builds both)"
	@echo "make check-series    kernel-patches/ applies (git am) to every fetched kernel source"
	@echo "make fuzz            longer libFuzzer runs of the scenario and trace parsers (FUZZ_SECONDS=300 each)"
	@echo "make bench           benchmarks (bench/), results in docs/performance.md format"
	@echo "make man             the man pages (scdoc), from docs/ and the binary's own --help and list"
	@echo "make install         binary, scenarios, docs, man pages, bash completion (PREFIX=$(PREFIX), DESTDIR=)"
	@echo "make uninstall       remove what make install installed (same PREFIX and DESTDIR)"
	@echo "make check-lava      the example LAVA job run by lava-run (lava-dispatcher, no server)"
	@echo "make check-deb       the Debian package: build, lintian, install and run in a fresh bookworm"
	@echo "make check-outputs   KTAP read by kunit.py parse, kcidb.json against the KCIDB v4 schema,"
	@echo "                     the HTML report rendered by headless Chromium (screenshot in $(O)/outputs/html)"
	@echo "make bench-series    what kernel-patches/ costs: patched vs base kernel, alternating boots"
	@echo "variables: WERROR=1 warnings are errors (./run.sh check sets it)"
	@echo "variables: KHDR= kernel uapi headers, KSRC= kernel tree (kselftest harness), FLAVOUR=default|debug|stock"

need-khdr:
	@test -n "$(KHDR)" || { echo "make: no Linux >= 7.2 uapi headers: run ./run.sh setup, or pass KHDR=/path/to/usr/include" >&2; exit 4; }
need-ksrc:
	@test -f "$(KSELFTEST)/kselftest_harness.h" || { echo "make: no kernel tree with kselftest_harness.h: run ./run.sh setup, or pass KSRC=/path/to/linux" >&2; exit 4; }

# -MMD does not track -isystem headers: everything compiled against the kernel headers
# depends on this stamp, which changes when KHDR names another kernel build.
KHDR_STAMP	:= $(O)/.khdr
$(shell mkdir -p $(O) && { echo '$(KHDR)' | cmp -s - $(KHDR_STAMP) || echo '$(KHDR)' >$(KHDR_STAMP); })

$(O)/%.o: %.c $(KHDR_STAMP) | need-khdr
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/librevokestorm.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Plugins register themselves from constructors: link every object, never let the
# linker drop an unreferenced one.
WHOLE_LIB = -Wl,--whole-archive $(O)/librevokestorm.a -Wl,--no-whole-archive

$(O)/revokestorm: $(O)/src/main.o $(O)/librevokestorm.a
	$(CC) $(LDFLAGS) -o $@ $(O)/src/main.o $(WHOLE_LIB) $(LDLIBS)

TEST_CFLAGS = $(CFLAGS) -isystem $(KSELFTEST) -Itests

$(O)/tests/unit/%: tests/unit/%.c $(O)/librevokestorm.a $(KHDR_STAMP) | need-ksrc need-khdr
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(WHOLE_LIB) $(LDLIBS)

$(O)/tests/vm/%: tests/vm/%.c $(O)/librevokestorm.a $(KHDR_STAMP) | need-ksrc need-khdr
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -I$(KSRC) -o $@ $< $(WHOLE_LIB) $(LDLIBS)

$(O)/bench/%: bench/%.c $(O)/librevokestorm.a $(KHDR_STAMP) | need-khdr
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(WHOLE_LIB) $(LDLIBS)

FUZZ_CFLAGS = $(filter-out -MMD -MP,$(CFLAGS)) -fsanitize=fuzzer,address,undefined \
		  -fno-sanitize-recover=undefined
$(O)/fuzz/%: fuzz/%.c $(LIB_SRCS) | need-khdr
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)

# Man pages: the docs' text, with the SYNOPSIS and every option table taken from this
# binary's --help and `list --markdown` at build time (man/md2scd.py), roff by scdoc.
man: $(MANPAGES)
$(O)/man/%: man/md2scd.py $(O)/revokestorm docs/cli.md docs/scenario-format.md README.md
	@mkdir -p $(@D)
	$(PYTHON) man/md2scd.py $(O)/revokestorm $* >$@.scd
	scdoc <$@.scd >$@

install: all
	install -D -m 0755 $(O)/revokestorm $(DESTDIR)$(BINDIR)/revokestorm
	install -d $(DESTDIR)$(DATADIR)/scenarios $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 scenarios/*.ini scenarios/*.inc $(DESTDIR)$(DATADIR)/scenarios/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(O)/man/revokestorm.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(O)/man/revokestorm-scenario.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 completion/revokestorm.bash $(DESTDIR)$(BASHCOMPDIR)/revokestorm
	install -D -m 0755 lava/revokestorm-lava.sh $(DESTDIR)$(DATADIR)/lava/revokestorm-lava.sh
	install -m 0644 lava/revokestorm.yaml $(DESTDIR)$(DATADIR)/lava/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/revokestorm $(DESTDIR)$(MANDIR)/man1/revokestorm.1 \
		$(DESTDIR)$(MANDIR)/man5/revokestorm-scenario.5 $(DESTDIR)$(BASHCOMPDIR)/revokestorm
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

tests: $(O)/revokestorm $(UNIT_TESTS) $(VM_TESTS)

check-unit: $(O)/revokestorm $(UNIT_TESTS) $(MANPAGES)
	@tests/run-unit.sh $(UNIT_TESTS)
	@tests/docs-sync.sh $(O)/revokestorm
	@$(PYTHON) tests/man/man_check.py $(O)/revokestorm $(MANPAGES)
	@$(PYTHON) tests/syzkaller/syzlang_check.py $(KHDR) $(KSRC) syzkaller/*.txt
	@tests/completion/completion_test.sh $(O)/revokestorm
	@$(PYTHON) tests/lava/schema_check.py lava
	@$(PYTHON) tests/lava/booted_kernel_test.py

check-outputs: $(O)/revokestorm $(O)/tests/unit/controller_test | need-ksrc
	@PYTHON=$(PYTHON) tests/outputs/run.sh $(O) $(KSRC)
	@tests/outputs/html_test.sh $(O)/revokestorm $(O)/outputs/html tests/unit/traces/clean.tracefs.txt \
		tests/unit/traces/hung-importer.tracefs.txt tests/unit/traces/viol-map-while-revoked.perf-script.txt

# The unit tests again under ThreadSanitizer, and under AddressSanitizer with UBSan and
# LeakSanitizer: any report fails the test it happens in.  Each builds in a directory of
# its own.
TSAN_FLAGS	:= -fsanitize=thread
ASAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# RUN_UNIT: the tests to run (default all).  ThreadSanitizer leaves out trace_text_test: the
# conversion of a recording is single-threaded, and libtracefs reads /proc/kallsyms to load
# the formats, which takes minutes per test under TSan (ASan runs it).
RUN_UNIT	?= $(UNIT_TESTS)
run-unit: $(RUN_UNIT)
	@tests/run-unit.sh $(RUN_UNIT)
check-tsan:
	@TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" $(MAKE) --no-print-directory O=$(O)/tsan \
		CFLAGS="-O1 -g $(TSAN_FLAGS)" LDFLAGS="$(TSAN_FLAGS)" \
		RUN_UNIT='$$(filter-out %/trace_text_test,$$(UNIT_TESTS))' run-unit
check-asan:
	@ASAN_OPTIONS="detect_leaks=1 $(ASAN_OPTIONS)" $(MAKE) --no-print-directory O=$(O)/asan \
		CFLAGS="-O1 -g $(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" run-unit

FUZZ_SECONDS ?= 300
fuzz-smoke: $(FUZZERS)
	@tests/run-fuzz.sh smoke 20 $(FUZZERS)
fuzz: $(FUZZERS)
	@tests/run-fuzz.sh long $(FUZZ_SECONDS) $(FUZZERS)

# The lab kernel: this tree's build if there is one, else the flavour's.
VM_KERNEL	= $(if $(wildcard $(KART)/bzImage),--kernel $(KART),--flavour $(FLAVOUR))
# The VM tests (the storm matrix's short form, --cover, among them); then the DMA oracle
# behind virtio-iommu, and the virtio-gpu importer in the --gpu lab (exit 4, a skip, where this host cannot give QEMU a virtio-gpu with blobs).
check-vm: $(O)/revokestorm $(VM_TESTS)
	@vm/run-vm.sh $(VM_KERNEL) --name check-vm --timeout $(VM_TIMEOUT) \
		-- env KSRC=$(KSRC) RS_PERF_GUEST=$(PERF_GUEST) RS_MATRIX=1 tests/vm/run-all.sh $(O)
	@vm/run-vm.sh $(VM_KERNEL) --iommu virtio --name check-vm-viommu -- $(O)/tests/vm/dma_oracle_test
	@vm/run-vm.sh $(VM_KERNEL) --gpu --name check-vm-gpu -- tests/vm/gpu_test.sh; \
		rc=$$?; [ $$rc = 4 ] && echo "check-vm-gpu: skipped (exit 4, said above)"; [ $$rc = 0 ] || [ $$rc = 4 ]

# The Debian package end to end in a fresh bookworm chroot (minutes; not part of check).
check-deb: | need-khdr need-ksrc
	@KHDR=$(KHDR) KSRC=$(KSRC) tests/debian/deb_test.sh

# lava/qemu-lab-job.yaml run by Debian's lava-dispatcher with no server (10-20 minutes).
check-lava: | need-khdr need-ksrc
	@KHDR=$(KHDR) KSRC=$(KSRC) tests/lava/lava_test.sh

check-lab:
	@tests/lab/lab_test.sh $(KART)

# The storm matrix alone in the lab, --cover by default (check-vm runs that too);
# RS_MATRIX_ARGS=" " for the quick matrix, RS_MATRIX_ARGS=--full for the whole matrix.
check-matrix: $(O)/revokestorm
	@vm/run-vm.sh $(VM_KERNEL) --name check-matrix \
		--timeout $(VM_TIMEOUT) -- env RS_MATRIX=1 RS_BUILD=$(O) $(if $(RS_MATRIX_ARGS),RS_MATRIX_ARGS="$(RS_MATRIX_ARGS)") \
		tests/vm/matrix_test.sh

# The same VM tests on the debug kernel (lockdep, KASAN): any splat fails the run.  Not the
# storm matrix: its cells' setup overruns their limits there (docs/storm-matrix.md).
check-vm-debug: $(O)/revokestorm $(VM_TESTS)
	@vm/run-vm.sh --flavour debug --name check-vm-debug --timeout $(VM_TIMEOUT) -- env KSRC=$(KSRC) RS_PERF_GUEST=$(PERF_GUEST) \
		tests/vm/run-all.sh $(O)
	@vm/run-vm.sh --flavour debug --gpu --name check-vm-debug-gpu -- tests/vm/gpu_test.sh; \
		rc=$$?; [ $$rc = 4 ] && echo "check-vm-debug-gpu: skipped (exit 4, said above)"; [ $$rc = 0 ] || [ $$rc = 4 ]

# The test of each kernel bug of docs/findings.md, as BINARY:TEST,...  Each asserts the
# bug on a kernel without its fix and the fixed behaviour on one with it (as the kernel
# artifact says, RS_KERNEL_FIXES); check-vm runs them on the default kernel (fixed),
# check-findings on the stock one (plain 7.2.13: the bug).
FINDINGS_TESTS	:= vfio_dmabuf_test:low_power_keeps_dmabufs_revoked,low_power_wakeup_restores_dmabufs \
		   iommufd_mock_dmabuf_test:unrevoke_of_live_buffer_keeps_mapping,dmabuf_get_returns_the_new_fd
check-findings: $(O)/revokestorm $(VM_TESTS)
	@vm/run-vm.sh --flavour stock --name check-findings \
		-- tests/vm/run-all.sh --strict $(O) $(FINDINGS_TESTS)

# The same tests on Linux 7.3 (finding #5 is 7.3's alone), stock and with the fixes
# (kernel-patches/fixes/ + fixes/7.3/ + the main series): two more kernel builds, so
# `check` runs them only where both kernels are cached (a SKIP otherwise) and this
# target builds them.
check-findings-7.3: $(O)/revokestorm $(VM_TESTS)
	@vm/check-findings-series.sh --build 7.3 $(O) $(FINDINGS_TESTS)
check-findings-cached: $(O)/revokestorm $(VM_TESTS)
	@vm/check-findings-series.sh 7.3 $(O) $(FINDINGS_TESTS)

# kernel-patches/ applies with git am to every fetched kernel source (7.2, and the 7.3 that
# ./run.sh check fetches); make itself never downloads.
check-series:
	@vm/check-series.sh

check: check-unit check-tsan check-asan check-outputs fuzz-smoke check-lab check-series check-vm check-vm-debug \
	check-findings check-findings-cached

bench: $(O)/revokestorm $(BENCHES)
	@bench/run.sh $(O)

# kernel-patches/ against the same kernel without it, alternating boots (docs/performance.md)
bench-series: $(BENCHES)
	@bench/series-cost.sh $(O) $(or $(ROUNDS),5) $(or $(SECONDS),10)

clean:
	rm -rf $(O)

.PHONY: all help need-khdr need-ksrc man install uninstall tests check check-unit check-tsan check-asan \
	run-unit check-outputs check-deb check-lava check-vm check-lab check-matrix check-vm-debug check-findings \
	check-findings-7.3 check-findings-cached check-series fuzz fuzz-smoke bench bench-series clean
-include $(shell find $(O) -name '*.d' 2>/dev/null)
