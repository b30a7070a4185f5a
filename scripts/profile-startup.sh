#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make profile: where start-up time goes at -smp N (default 512), for the
# base and the fork, in one boot of the nested arm64 lab.  Each binary runs
# -accel kvm -M virt,gic-version=3 -cpu host -S with QEMU's own trace events
# kvm_create_vcpu and kvm_init_vcpu (log backend, -msg timestamp=on: one
# line per vCPU, cheap) until QMP query-status answers.  Splits the time
# into: exec -> first vCPU created, the vCPU loop (first created -> last
# initialised, and how long each vCPU takes early and late in the loop) and
# last vCPU -> QMP ready.  Run after make bench (it uses the same initramfs,
# with the base packed as qemu-base).  Writes build/bench/profile.json.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${QL_BUILD:-$top/build}
out=$build/bench
n=${QL_PROFILE_SMP:-512}
mkdir -p "$out"
[ -x "$build/lab/cross-base/qemu-system-aarch64" ] || { echo "profile: run make bench first" >&2; exit 1; }
"$top/lab/initramfs.sh" --base "$build/lab/cross-base/qemu-system-aarch64"

cmd='
Q="-accel kvm -M virt,gic-version=3 -cpu host -m 1G -display none -nic none -S -monitor none -serial none"
for b in base fork; do
    bin=qemu-system-aarch64; [ $b = base ] && bin=qemu-base
    t0=$EPOCHREALTIME; t1=""
    coproc QM { exec env LD_PRELOAD=/usr/lib/ioctlcount.so IOCTLCOUNT=/tmp/ic \
        IOCTLHIST=/tmp/hist $bin $Q -smp '"$n"' -qmp stdio -msg timestamp=on \
        -trace kvm_create_vcpu -trace kvm_init_vcpu 2>/tmp/trace; }
    echo "{\"execute\":\"qmp_capabilities\"}" >&"${QM[1]}"
    echo "{\"execute\":\"query-status\"}" >&"${QM[1]}"
    while read -r -u "${QM[0]}" line; do
        case $line in *"\"status\": \"prelaunch\""*) t1=$EPOCHREALTIME; break ;; esac
    done
    echo "{\"execute\":\"quit\"}" >&"${QM[1]}"
    wait $QM_PID
    echo "PROFILE $b start $t0 ready $t1"
    grep -E "kvm_(create|init)_vcpu" /tmp/trace | sed "s/^/TRACE $b /"
    sed "s/^/HIST $b /" /tmp/hist
done
'
"$top/lab/run.sh" --timeout "${QL_BENCH_TIMEOUT:-1800}" -- "$cmd" >"$out/profile.log" 2>&1 ||
    { tail -20 "$out/profile.log"; echo "profile: the lab run failed" >&2; exit 1; }
/usr/bin/python3 - "$out/profile.log" "$out/profile.json" "$n" <<'PY'
import json, re, sys
log, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = {}
for line in open(log, errors="replace"):
    line = re.sub(r"^\[[^]]*\] ", "", line.rstrip())
    m = re.match(r"PROFILE (\w+) start ([\d.]+) ready ([\d.]+)", line)
    if m:
        runs.setdefault(m[1], {})["start"] = float(m[2])
        runs[m[1]]["ready"] = float(m[3])
        continue
    m = re.match(r"HIST (\w+) T0 ([\d.]+)", line)
    if m:
        runs.setdefault(m[1], {})["t0"] = float(m[2])
        continue
    m = re.match(r"HIST (\w+) (\S+) (.*)", line)
    if m:
        runs.setdefault(m[1], {}).setdefault("hist", {})[m[2]] = {
            int(a): int(b) for a, b in (x.split(":") for x in m[3].split())}
        continue
    m = re.match(r"TRACE (\w+) \d+@([\d.]+):kvm_(create|init)_vcpu index: ?(\d+)", line)
    if m:
        runs.setdefault(m[1], {}).setdefault(m[3], {})[int(m[4])] = float(m[2])
res = {}
print("start-up profile at -smp %d (seconds from exec)" % n)
print("%-5s %10s %12s %12s %10s   %s" % ("", "1st vCPU", "last vCPU", "QMP ready",
                                         "loop", "per vCPU: first 64 / last 64 (ms)"))
for b, r in runs.items():
    c, i = r.get("create", {}), r.get("init", {})
    if not c or not i or "start" not in r:
        print("%-5s incomplete" % b)
        continue
    s = r["start"]
    first, last = min(c.values()) - s, max(i.values()) - s
    ks = sorted(i)
    early = (i[ks[min(63, len(ks) - 1)]] - i[ks[0]]) / max(1, min(63, len(ks) - 1)) * 1000
    late = (i[ks[-1]] - i[ks[max(0, len(ks) - 64)]]) / max(1, min(63, len(ks) - 1)) * 1000
    res[b] = {"first_vcpu_s": first, "last_vcpu_s": last, "ready_s": r["ready"] - s,
              "vcpu_loop_s": last - first, "ms_per_vcpu_first64": early,
              "ms_per_vcpu_last64": late, "vcpus_traced": len(i)}
    print("%-5s %10.3f %12.3f %12.3f %10.3f   %.1f / %.1f" % (
        b, first, last, r["ready"] - s, last - first, early, late))
# KVM ioctls per phase: before the first vCPU, during the vCPU loop, after
# the last vCPU until QMP ready (per-second buckets, so +-1 s at the edges)
for b, r in runs.items():
    if b not in res or "hist" not in r or "t0" not in r:
        continue
    off = r["t0"] - r["start"]
    f, l = res[b]["first_vcpu_s"], res[b]["last_vcpu_s"]
    phases = {}
    for name, h in r["hist"].items():
        p = [0, 0, 0]
        for sec, cnt in h.items():
            t = off + sec + 0.5
            p[0 if t < f else 1 if t <= l + 0.5 else 2] += cnt
        phases[name] = p
    res[b]["ioctls_per_phase"] = phases
    print("\n%s: KVM ioctls per phase (before vCPUs / vCPU loop / after, to QMP ready)" % b)
    for name, p in sorted(phases.items(), key=lambda kv: -sum(kv[1]))[:8]:
        print("  %-24s %8d %8d %8d" % (name, p[0], p[1], p[2]))
json.dump(res, open(out, "w"), indent=1, sort_keys=True)
print("result: " + out)
PY
