#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-linux-kvm.sh on the lab's second host kernel (the pinned
# trixie-backports 7.x, lab/run.sh --host-kernel next): the 6.12 guest at
# -smp 512 and the negative control (rows of group linux); the newest guest
# kernel runs once, on the default host kernel (test-linux-kvm.sh).
export QL_LAB_HOST_KERNEL=next QL_CASE_GROUPS=${QL_CASE_GROUPS:-linux}
exec "$(dirname "$0")/test-linux-kvm.sh"
