#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The census at -smp 512 on the lab's second host kernel (the pinned
# trixie-backports 7.x, lab/run.sh --host-kernel next): rows smp-512 (with
# its KVM_IRQ_LINE observation) and negative-control of census.cases, run
# by test-census-kvm.sh; the whole table runs on the default host kernel.
export QL_LAB_HOST_KERNEL=next QL_CASE_ONLY=${QL_CASE_ONLY:-"smp-512 negative-control"}
exec "$(dirname "$0")/test-census-kvm.sh"
