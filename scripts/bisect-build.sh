#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bisect-build: show that every patch of the series builds on its own,
# as a reviewer bisecting the series would need.  For each commit from the
# base to the tip of the applied tree (build/qemu), in order, build/qemu is
# checked out at that commit and built incrementally:
#   - the arm64 cross build of qemu-system-aarch64 (lab/cross-build.sh; the
#     only build that compiles the KVM-on-Arm code, e.g. target/arm/kvm.c);
#   - the x86_64 host build of the three emulators (qemu-system-aarch64
#     with TCG and the KVM stubs, qemu-system-x86_64 with KVM, which
#     compiles the i386 topics, qemu-system-ppc64 for the XIVE topic) plus
#     the unit tests and qtests the series adds, where they exist at that
#     commit.
# The same build directories as make build / make lab are used, so with
# ccache the states already built cost little.  At the end (or on failure)
# build/qemu is back on its branch.  Prints one line per commit; exits 1 at
# the first commit that does not build.  Refuses to run with edits in
# build/qemu.  Not part of make check.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${QL_BUILD:-$top/build}
tree=$build/qemu
log=$build/bisect
[ -d "$tree/.git" ] || { echo "bisect-build: no applied tree (make tree)" >&2; exit 1; }
[ -z "$(git -C "$tree" status --porcelain)" ] ||
    { echo "bisect-build: build/qemu has edits; commit and make export first" >&2; exit 1; }
branch=$(git -C "$tree" symbolic-ref --short HEAD)
commits=$(git -C "$tree" rev-list --reverse base..HEAD)
[ -n "$commits" ] || { echo "bisect-build: the series is empty" >&2; exit 1; }
mkdir -p "$log"
trap 'git -C "$tree" checkout -q "$branch"' EXIT

n=0
for c in $commits; do
    n=$((n + 1))
    subj=$(git -C "$tree" log -1 --format=%s "$c")
    git -C "$tree" checkout -q --detach "$c"
    t0=$(date +%s)
    if ! "$top/lab/cross-build.sh" "$tree" >"$log/cross-$n.log" 2>&1; then
        echo "FAIL $n $subj: the arm64 cross build failed (log: $log/cross-$n.log)"
        tail -20 "$log/cross-$n.log"
        exit 1
    fi
    extra=
    [ -f "$tree/tests/unit/test-arm-kvm-irq-line.c" ] && extra+=" tests/unit/test-arm-kvm-irq-line"
    [ -f "$tree/tests/qtest/query-kvm-test.c" ] && extra+=" tests/qtest/query-kvm-test"
    [ -f "$tree/tests/unit/test-x86-vmx-msr-check.c" ] && extra+=" tests/unit/test-x86-vmx-msr-check"
    [ -f "$tree/tests/qtest/pnv-xive-test.c" ] && extra+=" tests/qtest/pnv-xive-test"
    [ -f "$tree/tests/qtest/pnv-xive2-escalation.c" ] && extra+=" tests/qtest/pnv-xive2-test"
    [ -f "$build/host/build.ninja" ] || "$top/scripts/build.sh" >"$log/host-configure.log" 2>&1
    # shellcheck disable=SC2086  # $extra: target names split at spaces
    if ! nice -n 19 ninja -C "$build/host" -j"${QL_JOBS:-$(nproc)}" \
            qemu-system-aarch64 qemu-system-x86_64 qemu-system-ppc64 $extra \
            >"$log/host-$n.log" 2>&1; then
        echo "FAIL $n $subj: the host build failed (log: $log/host-$n.log)"
        tail -20 "$log/host-$n.log"
        exit 1
    fi
    echo "ok $n $subj ($(($(date +%s) - t0)) s)"
done
echo "bisect-build: all $n commits build (arm64 cross; x86_64 host: aarch64, x86_64, ppc64)"
