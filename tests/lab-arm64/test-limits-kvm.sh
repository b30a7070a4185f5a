#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vCPU limits under KVM, for real: the cases of limits.cases (one row each:
# -smp 512 starting with query-kvm naming the host's limit; host limits a
# modern kernel does not have, made by fault injection at the ioctl
# boundary, each refused with its one message and exit 1, and the -smp the
# message names then running the census; query-machines' cpu-max under KVM
# as libvirt probes it, base and fork; bad command lines under KVM) in one
# boot of the nested arm64 lab, or on this host (QL_LAB_BACKEND=host).
# Every case must also die by no signal, leave no core file and print no
# assertion (tests/lib/cases.sh).
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
lab_cases arm64 2400 "$here/limits.cases" 900 "$payload"
exit $failed
