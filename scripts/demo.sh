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

. "$top/tests/lib/test.sh"
. "$top/tests/lib/lab.sh"
# The in-lab half: two cases of lab/case.sh (start-up with -S, quit from the
# monitor; then the census run, exec to power-off)
cat >"$tmp/demo.lab.sh" <<INLAB
. "\${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
q="\$QEMU -accel kvm -M virt,gic-version=3 -cpu host -smp $smp -m 1G -display none -nic none"
case_hmp_input start quit
case_run start 1800 -- \$q -S -serial none -monitor stdio
case_input=
case_run census 1800 -- \$q -monitor none -no-reboot -serial stdio -kernel "\$QL_FILES/census.bin"
INLAB
QL_LAB_TIMEOUT=${QL_DEMO_TIMEOUT:-1800} lab_run arm64 1800 "$tmp/demo.lab.sh" "$payload"
cp "$tmp/lab.log" "$build/demo.log"
[ "$lab_rc" = 0 ] || die "the lab run exited $lab_rc (log: $build/demo.log)"
secs() { awk -v m="$(case_field "$1" ms)" 'BEGIN { printf "%.1f", m / 1000 }'; }
echo
echo "demo: -smp $smp under KVM in the nested lab"
echo "demo:   exec to monitor quit with -S: $(secs start) s (exit $(case_field start rc))"
echo "demo:   census run (exec to power-off): $(secs census) s (exit $(case_field census rc))"
echo "demo:   census: $(census_n census)"
[ "$(case_field start rc)" = 0 ] || die "the -S start did not quit cleanly (log: $build/demo.log)"
[ "$(case_field census rc)" = 0 ] && [ "$(census_n census)" = "$smp" ] ||
    die "the census is incomplete (log: $build/demo.log)"
