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

PKGS		:= liburing libnl-3.0 libnl-genl-3.0 libnl-route-3.0 libibverbs libdrm libtracefs libtraceevent
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN		:= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
		   -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
		   $(if $(filter 1,$(WERROR)),-Werror)
CFLAGS		?= -O2 -g
override CFLAGS	+= -std=gnu11 -D_GNU_SOURCE $(WARN) -MMD -MP -Iinclude \
		   $(if $(KHDR),-isystem $(KHDR)) $(PKG_CFLAGS) \
		   $(if $(KSRC),-idirafter $(KSRC)/drivers/iommu/iommufd)
LDLIBS		+= $(PKG_LIBS) -lpthread -lm

LIB_SRCS	:= $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(O)/%.o)
UNIT_TESTS	:= $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*_test.c))
VM_TESTS	:= $(patsubst tests/vm/%.c,$(O)/tests/vm/%,$(wildcard tests/vm/*_test.c))
FUZZERS		:= $(patsubst fuzz/%.c,$(O)/fuzz/%,$(wildcard fuzz/*_fuzz.c))
BENCHES		:= $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/*.c))

all: $(O)/revokestorm

help:
	@echo "make                 build $(O)/revokestorm"
	@echo "make check           unit tests on the host, a short fuzz run, then the VM tests in the lab"
	@echo "make check-unit      unit tests only (seconds)"
	@echo "make check-vm        VM tests only (boots the lab kernel under QEMU)"
	@echo "make check-lab       tests of the lab scripts themselves (bad input, timeouts, kernel reports)"
	@echo "make check-vm-debug  VM tests on the debug kernel (lockdep, KASAN); builds it if needed"
	@echo "make fuzz            longer libFuzzer runs of the scenario and trace parsers (FUZZ_SECONDS=300 each)"
	@echo "make bench           benchmarks (bench/), results in docs/performance.md format"
	@echo "variables: WERROR=1 warnings are errors (./run.sh check sets it)"
	@echo "variables: KHDR= kernel uapi headers, KSRC= kernel tree (kselftest harness), FLAVOUR=default|debug"

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
	$(CC) $(CFLAGS) -c -o $@ $<

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
	$(CC) $(TEST_CFLAGS) -o $@ $< $(WHOLE_LIB) $(LDLIBS)

$(O)/tests/vm/%: tests/vm/%.c $(O)/librevokestorm.a $(KHDR_STAMP) | need-ksrc need-khdr
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -I$(KSRC) -o $@ $< $(WHOLE_LIB) $(LDLIBS)

$(O)/bench/%: bench/%.c $(O)/librevokestorm.a $(KHDR_STAMP) | need-khdr
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(WHOLE_LIB) $(LDLIBS)

FUZZ_CFLAGS = $(filter-out -MMD -MP,$(CFLAGS)) -fsanitize=fuzzer,address,undefined
$(O)/fuzz/%: fuzz/%.c $(LIB_SRCS) | need-khdr
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)

tests: $(O)/revokestorm $(UNIT_TESTS) $(VM_TESTS)

check-unit: $(O)/revokestorm $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)
	@tests/docs-sync.sh $(O)/revokestorm

FUZZ_SECONDS ?= 300
fuzz-smoke: $(FUZZERS)
	@tests/run-fuzz.sh smoke 20 $(FUZZERS)
fuzz: $(FUZZERS)
	@tests/run-fuzz.sh long $(FUZZ_SECONDS) $(FUZZERS)

check-vm: $(O)/revokestorm $(VM_TESTS)
	@vm/run-vm.sh $(if $(wildcard $(KART)/bzImage),--kernel $(KART),--flavour $(FLAVOUR)) --name check-vm \
		-- tests/vm/run-all.sh $(O)

check-lab:
	@tests/lab/lab_test.sh $(KART)

# The same VM tests on the debug kernel (lockdep, KASAN): any splat fails the run.
check-vm-debug: $(O)/revokestorm $(VM_TESTS)
	@vm/run-vm.sh --flavour debug --name check-vm-debug -- tests/vm/run-all.sh $(O)

check: check-unit fuzz-smoke check-lab check-vm check-vm-debug

bench: $(O)/revokestorm $(BENCHES)
	@bench/run.sh $(O)

clean:
	rm -rf $(O)

.PHONY: all help need-khdr need-ksrc tests check check-unit check-vm check-lab check-vm-debug fuzz fuzz-smoke bench clean
-include $(shell find $(O) -name '*.d' 2>/dev/null)
