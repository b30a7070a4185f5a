# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the tests in the nested x86 lab (tests/kvm-x86/test-*.sh), on
# top of tests/system/lib.sh.  OUTER_QEMU selects the outer emulator
# (default: the fork's build/bin/qemu-system-x86_64), QL_LAB_X86_INNER the
# packed inner one (default the fork's; build/base-x86/qemu-system-x86_64
# for an A/B).
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"
outer=${OUTER_QEMU:-$bin/qemu-system-x86_64}
[ -x "$outer" ] || fail "no outer emulator $outer (make build, or set OUTER_QEMU)"
export OUTER_QEMU=$outer
inner=${QL_LAB_X86_INNER:-$bin/qemu-system-x86_64}

# x86_lab_run SCRIPT TIMEOUT: pack $inner, boot the lab once without its L2
# run (lab.l2=0) and run SCRIPT (busybox ash) inside; the console goes to
# $tmp/console.log, run.sh's output to $tmp/lab.log (printed).  Sets rc to
# run.sh's exit status.
x86_lab_run() {
    QL_LAB_X86_INNER=$inner "$top/lab/x86/initramfs.sh" || fail "lab/x86/initramfs.sh failed"
    rc=0
    QL_LAB_X86_APPEND="lab.l2=0 ${QL_LAB_X86_APPEND:-}" \
        "$top/lab/x86/run.sh" --timeout "${QL_LAB_TIMEOUT:-$2}" --log "$tmp/console.log" \
        --script "$1" >"$tmp/lab.log" 2>&1 || rc=$?
    cat "$tmp/lab.log"
    touch "$tmp/console.log"
}
