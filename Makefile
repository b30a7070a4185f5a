# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu-large: a QEMU fork for very large KVM guests, kept as a patch queue on
# top of Debian 13's qemu source package (base.pin).  See README.md.
#
#   make setup     install the Debian packages everything needs (root/sudo)
#   make           fetch + verify the base, apply patches/, build build/bin/*
#   make demo      the main job (builds what it needs, then runs it)
#   make check     every test; ends with "N passed, N failed, N skipped"
#   make tree      the applied git tree build/qemu, for editing
#   make export    write build/qemu's commits back to patches/
#   make submit    an upstream-style series in build/submit (OUT=dir)
#   make tree-reset  discard edits in build/qemu and re-apply patches/

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
	scripts/submit.sh $(OUT)

demo: build guest
	scripts/demo.sh

check:
	scripts/check.sh

clean:
	rm -rf $(QL_BUILD)/host $(QL_BUILD)/bin $(QL_BUILD)/guest $(QL_BUILD)/check

# Keeps build/qemu (it may hold your un-exported work: run make export first).
distclean: clean
	rm -rf $(QL_BUILD)/submit $(QL_BUILD)/*.log

.PHONY: all setup tree tree-reset build guest export submit demo check clean distclean
