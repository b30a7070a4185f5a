#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: the main job.  In the nested arm64 KVM lab (lab/run.sh), the
# fork's cross-built qemu-system-aarch64 runs -accel kvm -M virt,gic-version=3
# -cpu host -smp $SMP (default 512): first created stopped (-S) and quit from
# the monitor (start-up time), then with the census payload (guest/census.c),
# which must print "census: cpus=N/N ppi=N/N sgi=N/N".
# make demo builds everything this needs first (see the Makefile).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${QL_BUILD:-$top/build}
smp=${SMP:-512}
payload=$build/guest/census.bin
die() { echo "demo: error: $*" >&2; exit 1; }
[[ $smp =~ ^[0-9]+$ ]] || die "SMP=$smp is not a number"
[ -f "$payload" ] || die "no $payload (make guest)"

q="qemu-system-aarch64 -accel kvm -M virt,gic-version=3 -cpu host -smp $smp -m 1G -display none -nic none"
cmd="
echo \"DEMO-S-START\"
echo quit | $q -S -serial none -monitor stdio >/dev/null 2>/tmp/err-s
echo \"DEMO-S-END rc=\$?\"
grep -v 'recommended cpus' /tmp/err-s | head -3
echo \"DEMO-CENSUS-START\"
$q -monitor none -no-reboot -serial stdio -kernel census.bin 2>/tmp/err-c
echo \"DEMO-CENSUS-END rc=\$?\"
grep -v 'recommended cpus' /tmp/err-c | head -3
"
log=$build/demo.log
set +e
"$top/lab/run.sh" --timeout "${QL_DEMO_TIMEOUT:-1800}" --file "$payload" -- "$cmd" | tee "$log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || die "the lab run exited $rc (log: $log)"
secs() { sed -n "s/^\[ *\([0-9.]*\)\] $1.*/\1/p" "$log" | head -1; }
span() { awk -v a="$(secs "$1")" -v b="$(secs "$2")" 'BEGIN { printf "%.1f", b - a }'; }
for m in DEMO-S-START 'DEMO-S-END rc=0' DEMO-CENSUS-START 'DEMO-CENSUS-END rc=0'; do
    grep -q "\] $m\$" "$log" || die "no '$m' in the lab's output (log: $log)"
done
line=$(grep -o "census: cpus=.*" "$log" | head -1 || true)
echo
echo "demo: -smp $smp under KVM in the nested lab"
echo "demo:   exec to monitor quit with -S: $(span DEMO-S-START DEMO-S-END) s"
echo "demo:   census run (exec to power-off): $(span DEMO-CENSUS-START DEMO-CENSUS-END) s"
echo "demo:   ${line:-no census line}"
grep -q "^census: cpus=$smp/$smp ppi=$smp/$smp sgi=$smp/$smp\$" <<<"$line" &&
    ! grep -q 'census: FAILED' "$log" || die "the census is incomplete (log: $log)"
