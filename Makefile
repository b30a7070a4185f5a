# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu-large: a QEMU fork for very large KVM guests, kept as a patch queue on
# top of Debian 13's qemu source package (base.pin).  See README.md.
#
#   make setup     install the Debian packages everything needs (root/sudo)
#   make           fetch + verify the base, apply patches/, build build/bin/*
#   make demo      the main job: 512-vCPU census under KVM in the nested lab
#   make check     the core tests (< 40 min cold); "N passed, N failed, N skipped"
#   make check-lab the nested arm64 KVM lab tests
#   make check-all both, one summary (what CI runs)
#   make check-host on a real arm64 or x86 KVM host: the lab suites' in-lab
#                  halves run on this host's own KVM (docs/lab.md)
#   make tree      the applied git tree build/qemu, for editing
#   make export    write build/qemu's commits back to patches/
#   make submit    one upstream-style series per topic in build/submit/TOPIC
#                  (OUT=dir, V=n, CONFIRM=yes once QEMU's sign-off rules are read)
#   make tree-reset  discard edits in build/qemu and re-apply patches/
#   make bisect-build  build every patch of the series on its own (slow)
#   make bench     start-up benchmark: fork vs base vs raw-ioctl floor (lab)
#   make profile   where start-up time goes at -smp 512, base and fork (lab)
#   make lab-x86   boot the nested x86 (SVM) lab once (tests: check-lab)
#   make lab-x86-linux  the same with a Linux guest inside the lab (not in check)
#   make lab-linux-next  the arm64 lab's Linux-guest test with the newest guest
#                  kernel (kernel-next's Image as the guest; not in check-lab)

SHELL := /bin/bash
BUILD ?= build
export QL_BUILD := $(abspath $(BUILD))

all: build

setup:
	scripts/setup.sh

tree:
	scripts/prepare-tree.sh

tree-reset:
	scripts/prepare-tree.sh --force

build: tree
	scripts/build.sh

guest:
	$(MAKE) -C guest O=$(QL_BUILD)/guest

export:
	scripts/export.sh

submit: tree
	$(if $(V),QL_SUBMIT_VERSION=$(V)) $(if $(CONFIRM),QL_SUBMIT_CONFIRM=$(CONFIRM)) scripts/submit.sh $(OUT)

# The nested arm64 KVM lab: pinned arm64 packages, the fork cross-built for
# arm64, the lab's kernel and initramfs.
lab: build guest
	lab/fetch.sh
	lab/cross-build.sh $(QL_BUILD)/qemu
	lab/initramfs.sh

demo: lab
	scripts/demo.sh

check:
	scripts/check.sh --core

check-lab:
	scripts/check.sh --lab

check-all:
	scripts/check.sh --all

check-host:
	scripts/check.sh --host

# Start-up of large KVM guests, fork vs base vs floor, one lab boot; not in check.
bench: lab
	scripts/bench.sh

profile: lab
	scripts/profile-startup.sh

# The nested x86 (SVM) lab: boot it and run the fork's x86 QEMU under KVM
# inside (tests/lab-x86/test-nested-svm.sh runs it in check-lab).
# QL_LAB_QEMU= picks the outer binary, e.g. build/base-x86/qemu-system-x86_64
# from lab/x86/build-base.sh.
lab-x86: build
	lab/x86/fetch.sh
	lab/x86/initramfs.sh
	lab/run.sh --lab x86 --file $(QL_BUILD)/lab-x86/tiny.bin --script tests/lab-x86/nested-svm.lab.sh

# The same with a Linux guest inside the lab's KVM (25-40 s; not in check).
lab-x86-linux: build
	lab/x86/fetch.sh
	lab/x86/l2-linux.sh

# The Linux guest at -smp 512 under KVM with the newest guest kernel (the
# pinned kernel-next Image as the guest): about 4.3 minutes (256 s) on top of
# check-lab's Linux-guest rows, so its own target (docs/lab.md).
lab-linux-next: lab
	QL_CASE_GROUPS=guest-next tests/lab-arm64/test-linux-kvm.sh

# Every prefix of the series builds (arm64 cross + x86_64 host); not in check.
bisect-build: tree
	lab/fetch.sh
	scripts/bisect-build.sh

clean:
	rm -rf $(QL_BUILD)/host $(QL_BUILD)/bin $(QL_BUILD)/guest $(QL_BUILD)/check $(QL_BUILD)/lab $(QL_BUILD)/bisect $(QL_BUILD)/lab-x86 $(QL_BUILD)/lab-x86-linux $(QL_BUILD)/base-x86

# Keeps build/qemu (it may hold your un-exported work: run make export first).
distclean: clean
	rm -rf $(QL_BUILD)/submit $(QL_BUILD)/*.log

.PHONY: all setup tree tree-reset build guest lab lab-x86 lab-x86-linux lab-linux-next export submit demo check check-lab check-all check-host bench profile bisect-build clean distclean
