#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bad -smp command lines for the aarch64 virt board under TCG on this host
# (limits.cases): each must end with its exact message, exit status 1, no
# core dump or signal, nothing else on stderr; -smp 512 must start.  Run by
# lab/case.sh here, as the lab suites run it on a KVM host.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
QEMU=$(qemu_bin aarch64) || exit 1
export QEMU QL_LAB_BACKEND=host
lab_cases arm64 600 "$here/limits.cases" 300
exit $failed
