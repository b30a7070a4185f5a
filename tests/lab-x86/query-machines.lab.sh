# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh source=lab/case.sh
# The in-lab half of test-query-machines.sh.
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
case_table "$QL_FILES/query-machines.cases" 60
