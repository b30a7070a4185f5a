# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh source=lab/case.sh
# The in-lab half of a suite that is only its case table (tests/lib/lab.sh's
# lab_cases): every row of $QL_CASES, $QL_CASE_SECS of time-out each.
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
case_table "$QL_FILES/${QL_CASES:?}" "${QL_CASE_SECS:-900}"
