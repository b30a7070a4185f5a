# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh source=lab/case.sh
# The in-lab half of test-case-layer.sh, run here by each shell in turn.
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
QL_SHIMS=/nonexistent
case_table "$QL_FILES/selftest.cases" 2
