# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh source=lab/case.sh
# The in-lab half of test-kvm-msr.sh: every case of kvm-msr.cases on this
# x86 KVM host (the nested x86 lab, or a real one: make check-host).
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
echo "inner: $($QEMU --version | head -1)"
case_table "$QL_FILES/kvm-msr.cases" 60
