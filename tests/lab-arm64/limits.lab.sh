# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source=lab/case.sh
# The in-lab half of test-limits-kvm.sh: every case of limits.cases, on
# this KVM host (a lab, or a real arm64 host: make check-host).
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
case_table "$QL_FILES/limits.cases" 900
