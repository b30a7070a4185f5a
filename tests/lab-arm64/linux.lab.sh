# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source=lab/case.sh
# The in-lab half of test-linux-kvm.sh: the rows of linux.cases, each
# stdout line stamped with the ms since QEMU started (case_stamp), the
# guest's kernel log included (quiet: warnings and errors only).
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
case_stamp=1 case_max_lines=300
case_table "$QL_FILES/$QL_CASES" "$QL_CASE_SECS"
