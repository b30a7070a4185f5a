# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the lab tests (tests/lab/test-*.sh), on top of
# tests/system/lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"

# lab_run PAYLOAD CMD: one boot of the nested lab running CMD (bash) with
# PAYLOAD in /lab/files; the console log is printed and left in $tmp/lab.log.
# Fails the test if the lab run itself fails.
lab_run() {
    local rc=0
    "$top/lab/run.sh" --timeout "${QL_LAB_TIMEOUT:-2400}" --file "$1" -- "$2" \
        >"$tmp/lab.log" 2>&1 || rc=$?
    cat "$tmp/lab.log"
    [ $rc = 0 ] || fail "the lab run exited $rc"
}
