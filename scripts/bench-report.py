#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench-report.py LAB_LOG RESULT_JSON: the table and the JSON of make bench
# (scripts/bench.sh), from the lab's console log.  Medians over the
# repetitions; ratios are fork/base and fork/floor (below 1: the fork is
# faster).
import json
import re
import statistics
import sys

log, out = sys.argv[1], sys.argv[2]
samples = {}     # (metric, name, n) -> [values]
rss = {}         # (name, n) -> [KiB]
ioctls = {}      # name -> n -> {ioctl: count}
phases = {}      # n -> phase -> [seconds]
base_version = ""
for line in open(log, errors="replace"):
    line = re.sub(r"^\[[^]]*\] ", "", line.rstrip("\r\n"))
    f = line.split()
    if line.startswith("BENCH ready ") and len(f) == 6:
        samples.setdefault(("ready", f[2], int(f[3])), []).append(float(f[4]))
        if f[2] != "floor":
            rss.setdefault((f[2], int(f[3])), []).append(int(f[5]))
    elif line.startswith("BENCH census ") and len(f) == 5:
        samples.setdefault(("census", f[2], int(f[3])), []).append(float(f[4]))
    elif line.startswith("IOCTLS ") and len(f) == 5:
        ioctls.setdefault(f[1], {}).setdefault(int(f[2]), {})[f[4]] = int(f[3])
    elif line.startswith("FLOOR ") and len(f) == 5 and f[2] == "floor:":
        try:
            phases.setdefault(int(f[1]), {}).setdefault(f[3], []).append(float(f[4]))
        except ValueError:
            pass
    elif line.startswith("qemu-base: "):
        base_version = line[len("qemu-base: "):]

sizes = sorted({k[2] for k in samples})
if not sizes:
    sys.exit("bench-report: no measurements in " + log)


def med(metric, name, n):
    v = samples.get((metric, name, n))
    return statistics.median(v) if v else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def fmt(v, unit=""):
    return "-" if v is None else ("%.3f%s" % (v, unit) if isinstance(v, float) else str(v))


release = ""
for line in open(log, errors="replace"):
    m = re.search(r"^lab: .* host-kernel=(\S+) release=(\S+)", line)
    if m:
        release = m.group(1) + " " + m.group(2)
result = {"sizes": sizes, "base": base_version, "host_kernel": release, "medians": {}, "samples": {},
          "ratios": {}, "per_vcpu_ms": {}, "ioctls": ioctls,
          "floor_phases_s": {str(n): {p: statistics.median(v) for p, v in ph.items()}
                             for n, ph in phases.items()}}
for (metric, name, n), v in samples.items():
    result["samples"].setdefault(name, {}).setdefault(str(n), {})[metric] = v
    result["medians"].setdefault(name, {}).setdefault(str(n), {})[metric] = statistics.median(v)
for (name, n), v in rss.items():
    result["medians"].setdefault(name, {}).setdefault(str(n), {})["rss_kib"] = statistics.median(v)

print("make bench: start-up under KVM in the nested arm64 lab (medians, seconds)")
print("%5s | %8s %8s %8s | %9s %10s | %8s %8s %9s | %8s %8s" % (
    "N", "floor", "base", "fork", "fork/base", "fork/floor",
    "base", "fork", "fork/base", "base", "fork"))
print("%5s | %28s | %20s | %28s | %17s" % (
    "", "exec -> QMP ready (-S)", "", "exec -> census done", "RSS at ready, MiB"))
for n in sizes:
    fl, b, k = med("ready", "floor", n), med("ready", "base", n), med("ready", "fork", n)
    cb, ck = med("census", "base", n), med("census", "fork", n)
    rb = statistics.median(rss[("base", n)]) / 1024 if ("base", n) in rss else None
    rk = statistics.median(rss[("fork", n)]) / 1024 if ("fork", n) in rss else None
    result["ratios"][str(n)] = {"ready_fork_base": ratio(k, b), "ready_fork_floor": ratio(k, fl),
                                "census_fork_base": ratio(ck, cb)}
    print("%5d | %8s %8s %8s | %9s %10s | %8s %8s %9s | %8s %8s" % (
        n, fmt(fl), fmt(b), fmt(k), fmt(ratio(k, b)), fmt(ratio(k, fl)),
        fmt(cb), fmt(ck), fmt(ratio(ck, cb)),
        "-" if rb is None else "%.0f" % rb, "-" if rk is None else "%.0f" % rk))

# Cost per vCPU: (T(N) - T(1)) / (N - 1), for the QMP-ready time
if 1 in sizes:
    print("\ncost per added vCPU, exec -> QMP ready: (T(N) - T(1)) / (N - 1), ms")
    for name in ("floor", "base", "fork"):
        t1 = med("ready", name, 1)
        row = {}
        for n in sizes:
            tn = med("ready", name, n)
            if n > 1 and t1 is not None and tn is not None:
                row[str(n)] = round((tn - t1) / (n - 1) * 1000, 3)
        result["per_vcpu_ms"][name] = row
        print("  %-5s %s" % (name, "  ".join("N=%s: %.2f" % kv for kv in row.items())))

top = max(sizes)
if 1 in sizes and top > 1:
    k1, kt = med("ready", "fork", 1), med("ready", "fork", top)
    b1, bt = med("ready", "base", 1), med("ready", "base", top)
    ft = med("ready", "floor", top)
    target = {
        "n": top,
        "fork_added_s": None if kt is None or k1 is None else round(kt - k1, 3),
        "base_added_s": None if bt is None or b1 is None else round(bt - b1, 3),
        "floor_s": ft,
        "fork_added_over_floor": None,
        "base_over_fork": ratio(bt, kt),
    }
    if target["fork_added_s"] is not None and ft:
        target["fork_added_over_floor"] = round(target["fork_added_s"] / ft, 2)
    target["meets_2x_floor"] = (target["fork_added_over_floor"] is not None and
                                target["fork_added_over_floor"] <= 2)
    target["meets_10x_base"] = (target["base_over_fork"] is not None and
                                target["base_over_fork"] >= 10)
    # flat in N: the fork's cost per added vCPU at the top N no more than
    # 1.3 times its cost at N=64
    pv = result["per_vcpu_ms"].get("fork", {})
    # (a cost at or below zero, T(64) <= T(1) from noise, says nothing)
    target["fork_per_vcpu_top_over_64"] = (
        round(pv[str(top)] / pv["64"], 2)
        if pv.get("64", 0) > 0 and pv.get(str(top), 0) > 0 else None)
    target["meets_flat"] = (target["fork_per_vcpu_top_over_64"] is not None and
                            target["fork_per_vcpu_top_over_64"] <= 1.3)
    result["target"] = target
    print("\ntarget at N=%d: fork T(N)-T(1) = %s s = %sx the floor (%s s), want <= 2x: %s;"
          % (top, target["fork_added_s"], target["fork_added_over_floor"], fmt(ft),
             "met" if target["meets_2x_floor"] else "NOT met"))
    print("               base/fork = %sx, want >= 10x: %s"
          % (target["base_over_fork"], "met" if target["meets_10x_base"] else "NOT met"))
    print("               fork cost per added vCPU at N=%d / at N=64 = %s, want <= 1.3: %s"
          % (top, target["fork_per_vcpu_top_over_64"],
             "met" if target["meets_flat"] else "NOT met"))

if ioctls:
    n = max(max(v) for v in ioctls.values())
    names = sorted({i for v in ioctls.values() for i in v.get(n, {})},
                   key=lambda i: -max(v.get(n, {}).get(i, 0) for v in ioctls.values()))
    print("\nKVM ioctls to QMP ready at N=%d (LD_PRELOAD counter, one run each)" % n)
    print("  %-28s %10s %10s" % ("ioctl", "base", "fork"))
    for i in names[:14]:
        print("  %-28s %10s %10s" % (i, ioctls.get("base", {}).get(n, {}).get(i, "-"),
                                     ioctls.get("fork", {}).get(n, {}).get(i, "-")))
    for name in ("base", "fork"):
        tot = sum(ioctls.get(name, {}).get(n, {}).values())
        print("  %-28s %10s" % ("total " + name, tot))

with open(out, "w") as fp:
    json.dump(result, fp, indent=1, sort_keys=True)
print("\nresult: " + out)
