# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source=lab/case.sh
# The in-lab half of test-census-kvm.sh: the cases of census.cases, then
# the KVM_IRQ_LINE calls that irqlog.so saw in smp-512, counted by kind and
# result (case irq-line-512).
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
case_table "$QL_FILES/$QL_CASES" "$QL_CASE_SECS"
if [ -f "$QL_CASE_TMP/smp-512/irq.log" ]; then
    case_run irq-line-512 60 -- sh -c 'sort "$1" | uniq -c' _ "$QL_CASE_TMP/smp-512/irq.log"
fi
