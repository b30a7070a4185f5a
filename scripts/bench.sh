#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench: start-up of large KVM guests in ONE boot of the nested arm64
# lab.  Three things are measured side by side:
#   floor  lab/kvm-floor.c, only the KVM ioctls a virt guest needs up to its
#          first instruction (VM, memslot, vCPUs, vCPU init, vGICv3, PC)
#   base   the unpatched Debian base, cross-built the same way as the fork
#   fork   the fork (build/qemu)
# For each N in QL_BENCH_SIZES (default "1 64 256 512") and each of
# QL_BENCH_REPS repetitions (default 3), base and fork alternate (odd
# repetitions base first, even ones fork first):
#   ready   exec -> QMP query-status answered, with -S (bash's $EPOCHREALTIME)
#   census  exec -> QEMU exits after the census guest (guest/census.c) has
#           printed a complete census and powered off
#   rss     VmHWM of QEMU when ready (peak resident set so far, KiB)
# Then one extra run of each at every N with lab/ioctlcount.c (LD_PRELOAD)
# for the number of KVM ioctls by type (not timed).
# All of it once per lab host kernel in QL_BENCH_KERNELS (default "default
# next": the pinned 6.12 and 7.x, lab/run.sh --host-kernel), one lab boot
# each.  Prints a table of medians per kernel with the fork/base and
# fork/floor ratios and writes build/bench/result-KERNEL.json and
# build/bench/result.json ({"kernels": {KERNEL: ...}, "earlier": [...]}:
# kernels not run this time keep their earlier result-KERNEL.json).  Not
# part of make check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${QL_BUILD:-$top/build}
out=$build/bench
sizes=${QL_BENCH_SIZES:-1 64 256 512}
reps=${QL_BENCH_REPS:-3}
kernels=${QL_BENCH_KERNELS:-default next}
payload=$build/guest/census.bin
die() { echo "bench: error: $*" >&2; exit 1; }
[ -f "$payload" ] || die "no $payload (make guest)"
mkdir -p "$out"

# The unpatched base, cross-built exactly as the fork is (lab/cross-build.sh)
basesrc=$build/lab/base-src
if [ ! -x "$basesrc/configure" ]; then
    rm -rf "$basesrc"
    "$here/fetch-base.sh" "$basesrc"
fi
"$top/lab/cross-build.sh" "$basesrc" "$build/lab/cross-base"
"$top/lab/cross-build.sh" "$build/qemu" "$build/lab/cross-qemu"
"$top/lab/initramfs.sh" --base "$build/lab/cross-base/qemu-system-aarch64"

cmd='
. /usr/share/qemu-large/case.sh
NS="'"$sizes"'"; REPS='"$reps"'
Q="-accel kvm -M virt,gic-version=3 -cpu host -m 1G -display none -nic none -no-reboot"
span() { awk -v a="$1" -v b="$2" "BEGIN { printf \"%.3f\", b - a }"; }
ready() {  # NAME BIN N [ENV]
    local name=$1 bin=$2 n=$3 t0 t1="" line rss rc
    t0=$EPOCHREALTIME
    coproc QM { exec env $4 $bin $Q -smp $n -S -monitor none -serial none -qmp stdio 2>/tmp/err; }
    echo "{\"execute\":\"qmp_capabilities\"}" >&"${QM[1]}"
    echo "{\"execute\":\"query-status\"}" >&"${QM[1]}"
    while read -r -u "${QM[0]}" line; do
        case $line in *"\"status\": \"prelaunch\""*) t1=$EPOCHREALTIME; break ;; esac
    done
    rss=$(awk "/^VmHWM/ { print \$2 }" /proc/$QM_PID/status 2>/dev/null)
    echo "{\"execute\":\"quit\"}" >&"${QM[1]}"
    wait $QM_PID; rc=$?
    if [ -n "$t1" ] && [ $rc = 0 ]; then
        echo "BENCH ready $name $n $(span $t0 $t1) ${rss:-0}"
    else
        echo "BENCH-FAIL ready $name $n rc=$rc"; head -3 /tmp/err
    fi
}
census() {  # NAME BIN N
    local name=$1 bin=$2 n=$3 t0 t1 rc
    t0=$EPOCHREALTIME
    $bin $Q -smp $n -monitor none -serial stdio -kernel /lab/files/census.bin >/tmp/cen 2>/tmp/err
    rc=$?; t1=$EPOCHREALTIME
    if [ $rc = 0 ] && case_census cen /tmp/cen | grep -q " complete=$n\$"; then
        echo "BENCH census $name $n $(span $t0 $t1)"
    else
        echo "BENCH-FAIL census $name $n rc=$rc"; case_census cen /tmp/cen; head -3 /tmp/err
    fi
}
floor() {  # N
    local n=$1 o
    if o=$(kvm-floor $n --run 2>&1); then
        echo "BENCH ready floor $n $(echo "$o" | awk "/^floor: total/ { print \$4 }") 0"
        echo "$o" | sed "s/^/FLOOR $n /"
    else
        echo "BENCH-FAIL ready floor $n"; echo "$o" | tail -3
    fi
}
for n in $NS; do
    for r in $(seq 1 $REPS); do
        floor $n
        if [ $((r % 2)) = 1 ]; then order="base fork"; else order="fork base"; fi
        for b in $order; do
            bin=qemu-system-aarch64; [ $b = base ] && bin=qemu-base
            ready $b $bin $n
        done
        for b in $order; do
            bin=qemu-system-aarch64; [ $b = base ] && bin=qemu-base
            census $b $bin $n
        done
    done
    for b in base fork; do
        bin=qemu-system-aarch64; [ $b = base ] && bin=qemu-base
        rm -f /tmp/ic
        ready count-$b $bin $n "LD_PRELOAD=/usr/lib/ioctlcount.so IOCTLCOUNT=/tmp/ic" >/dev/null
        sed "s/^/IOCTLS $b $n /" /tmp/ic 2>/dev/null
    done
done
echo "qemu-base: $(qemu-base --version | head -1)"
'
# One lab boot per host kernel (lab/run.sh --host-kernel), each its own
# table and build/bench/result-KERNEL.json; result.json holds them all.
reports=()
for kernel in $kernels; do
    log=$out/lab-$kernel.log
    set +e
    "$top/lab/run.sh" --host-kernel "$kernel" --timeout "${QL_BENCH_TIMEOUT:-5400}" \
        --file "$payload" -- "$cmd" >"$log" 2>&1
    rc=$?
    set -e
    [ $rc = 0 ] || { tail -20 "$log"; die "the lab run on host kernel $kernel exited $rc (log: $log)"; }
    if grep -q 'BENCH-FAIL' "$log"; then
        grep -A3 'BENCH-FAIL' "$log" | head -20
        die "some runs failed on host kernel $kernel (log: $log)"
    fi
    echo "== host kernel $kernel ($(sed -n 's/^lab: .* release=\([^ ]*\).*/\1/p' "$log" | tail -1))"
    /usr/bin/python3 "$here/bench-report.py" "$log" "$out/result-$kernel.json"
    reports+=("$kernel=$out/result-$kernel.json")
done
# A kernel left out of QL_BENCH_KERNELS keeps the result-KERNEL.json of an
# earlier run, listed in result.json under "earlier" (another lab boot,
# perhaps another tree: compare ratios only).
/usr/bin/python3 - "$out/result.json" "${reports[@]}" <<'PY'
import glob, json, os, sys
res = {"kernels": {}, "earlier": []}
for arg in sys.argv[2:]:
    k, path = arg.split("=", 1)
    res["kernels"][k] = json.load(open(path))
for path in sorted(glob.glob(os.path.join(os.path.dirname(sys.argv[1]), "result-*.json"))):
    k = os.path.basename(path)[len("result-"):-len(".json")]
    if k not in res["kernels"]:
        res["kernels"][k] = json.load(open(path))
        res["earlier"].append(k)
json.dump(res, open(sys.argv[1], "w"), indent=1, sort_keys=True)
print("result: " + sys.argv[1] + " (host kernels: " + ", ".join(res["kernels"]) +
      ("; from an earlier run: " + ", ".join(res["earlier"]) if res["earlier"] else "") + ")")
PY
