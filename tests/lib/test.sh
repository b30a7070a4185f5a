# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers for the tests of the built binaries.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${QL_BUILD:-$top/build}
bin=$build/bin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ql-test.XXXXXX")
qpid=
# stop_bg: stop the background process, quietly.
stop_bg() {
    if [ -n "$qpid" ]; then
        kill -9 "$qpid" 2>/dev/null || true
        { wait "$qpid"; } 2>/dev/null || true
        qpid=
    fi
}
cleanup() {
    stop_bg
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# sub NAME STATUS DETAIL: one sub-result line for scripts/check.sh
sub() {
    [ -z "${QL_SUBRESULTS:-}" ] || printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$QL_SUBRESULTS"
}
# check NAME DETAIL CMD...: one sub-result, PASS when CMD succeeds; a
# failure sets failed=1 (the test then exits 1 at its end)
failed=0
check() {
    local name=$1 detail=$2
    shift 2
    if "$@"; then
        ok "$name: $detail"
        sub "$name" PASS "$detail"
    else
        echo "FAIL: $name: $detail" >&2
        sub "$name" FAIL "$detail"
        failed=1
    fi
}

# start_bg CMD...: start CMD in the background (pid in $qpid).
start_bg() {
    "$@" &
    qpid=$!
}

# wait_for FILE PATTERN SECONDS: wait until FILE has a line matching the
# extended regex PATTERN; fail when the time is up or the process died.
wait_for() {
    local file=$1 pat=$2 secs=$3 i
    for ((i = 0; i < secs * 5; i++)); do
        if [ -f "$file" ] && grep -qaE "$pat" "$file"; then
            return 0
        fi
        if [ -n "$qpid" ] && ! kill -0 "$qpid" 2>/dev/null; then
            wait "$qpid" || true
            tail -c 2000 "$file" 2>/dev/null
            fail "the process exited before printing /$pat/"
        fi
        sleep 0.2
    done
    tail -c 2000 "$file" 2>/dev/null
    fail "no /$pat/ in $file within ${secs}s"
}

# qemu_bin ARCH: the emulator under test: the fork's build/bin one, or with
# QL_AB=base the unpatched base's host build build/base-ARCH (scripts/build.sh
# with QL_TREE=build/lab/base-src QL_BDIR=build/base-ARCH; the x86 one is
# lab/x86/build-base.sh's build/base-x86): the A/B of docs/ci.md
qemu_bin() {
    local d=$bin
    if [ "${QL_AB:-}" = base ]; then
        d=$build/base-$1
        [ "$1" != x86_64 ] || d=$build/base-x86
    fi
    [ -x "$d/qemu-system-$1" ] || fail "no $d/qemu-system-$1"
    echo "$d/qemu-system-$1"
}
