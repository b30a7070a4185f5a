# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh source=lab/case.sh
# Runs one case table of this folder on this host (test-limits-tcg.sh,
# test-census-tcg.sh): lab/case.sh's case_table, as in the labs.
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
case_table "$QL_FILES/$CASES" "${CASE_SECS:-300}"
