#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bisect-build: show that every patch of the series builds on its own,
# as a reviewer bisecting the series would need.  For each commit from the
# base to the tip of the applied tree (build/qemu), in order:
#   - a git worktree at that commit (build/bisect/src);
#   - the arm64 cross build of qemu-system-aarch64 (lab/cross-build.sh; the
#     only build that compiles the KVM-on-Arm code, e.g. target/arm/kvm.c),
#     in build/bisect/cross;
#   - an x86_64 host build of qemu-system-aarch64 (TCG, with the KVM stubs)
#     plus the unit tests and qtests the commit adds that exist at that point
#     (tests/unit/test-arm-kvm-irq-line, tests/qtest/query-kvm-test), in
#     build/bisect/host.
# Both build directories are reused from commit to commit, so each step is
# incremental (and ccache helps).  Prints one line per commit and exits 1 at
# the first commit that does not build.  Not part of make check: the series
# of qapi and header changes makes this a 30-60 minute job on 2 cores.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${QL_BUILD:-$top/build}
tree=$build/qemu
bdir=$build/bisect
[ -d "$tree/.git" ] || { echo "bisect-build: no applied tree (make tree)" >&2; exit 1; }
mkdir -p "$bdir"
commits=$(git -C "$tree" rev-list --reverse base..HEAD)
[ -n "$commits" ] || { echo "bisect-build: the series is empty" >&2; exit 1; }

git -C "$tree" worktree remove --force "$bdir/src" 2>/dev/null || true
git -C "$tree" worktree prune
git -C "$tree" worktree add -q --detach "$bdir/src" base
trap 'git -C "$tree" worktree remove --force "$bdir/src" 2>/dev/null || true' EXIT

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
n=0
for c in $commits; do
    n=$((n + 1))
    subj=$(git -C "$tree" log -1 --format=%s "$c")
    git -C "$bdir/src" checkout -q --detach "$c"
    t0=$(date +%s)
    if ! "$top/lab/cross-build.sh" "$bdir/src" "$bdir/cross" >"$bdir/cross-$n.log" 2>&1; then
        echo "FAIL $n $subj: the arm64 cross build failed (log: $bdir/cross-$n.log)"
        tail -20 "$bdir/cross-$n.log"
        exit 1
    fi
    if [ ! -f "$bdir/host/build.ninja" ]; then
        mkdir -p "$bdir/host"
        (cd "$bdir/host" && "$bdir/src/configure" --target-list=aarch64-softmmu \
            --disable-docs --disable-werror --disable-download \
            --python=/usr/bin/python3 --cc="$cc") >"$bdir/host-configure.log" 2>&1 || {
            tail -20 "$bdir/host-configure.log"
            echo "FAIL $n $subj: host configure failed"
            exit 1
        }
    fi
    targets=(qemu-system-aarch64)
    [ -f "$bdir/src/tests/unit/test-arm-kvm-irq-line.c" ] && targets+=(tests/unit/test-arm-kvm-irq-line)
    [ -f "$bdir/src/tests/qtest/query-kvm-test.c" ] && targets+=(tests/qtest/query-kvm-test)
    if ! nice -n 19 ninja -C "$bdir/host" -j"${QL_JOBS:-$(nproc)}" "${targets[@]}" \
            >"$bdir/host-$n.log" 2>&1; then
        echo "FAIL $n $subj: the host build failed (log: $bdir/host-$n.log)"
        grep -E 'error|FAILED' "$bdir/host-$n.log" | head -20
        exit 1
    fi
    echo "ok $n $subj ($(($(date +%s) - t0)) s)"
done
echo "bisect-build: all $n commits build (arm64 cross and x86_64 host)"
