#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The census payload under KVM, for real: one boot of the nested arm64 lab
# (lab/run.sh), in which the fork's cross-built qemu-system-aarch64 runs
# -accel kvm -M virt,gic-version=3 -cpu host at -smp 1, 2, 255, 256, 257 and
# 512.  Every run must print "census: cpus=N/N ppi=N/N sgi=N/N", no FAILED,
# and exit 0.  The 512 run is observed with lab/irqlog.c (LD_PRELOAD, it only
# logs): every KVM_IRQ_LINE the fork issues must return 0; the PPIs among
# them are counted.  With the in-kernel GICv3, timer and PMU PPIs never pass
# through QEMU, so a census makes only SPI injections (the UART): this shows
# the observer works and the calls succeed, it does not exercise the wide
# vCPU-index encoding.  Also the negative control: a withheld SGI
# (skip-sgi=300) must fail the census.
#
# The PSCI CPU_ON race at -smp 512 (census race mode, 4 and 16 callers):
# under KVM every target must get exactly one SUCCESS and every other
# caller ALREADY_ON (kvm_psci_vcpu_on()), the answers the fork's TCG gives
# since patches/arm-psci/0001 (tests/qtest/arm-psci-test.c there).
#
# Writes one result line per run to $QL_SUBRESULTS when set (make check).
. "$(dirname "$0")/lib.sh"
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
sizes=${QL_LAB_SIZES:-1 2 255 256 257 512}
races=${QL_LAB_RACES-4 16}

cmd='q="qemu-system-aarch64 -accel kvm -M virt,gic-version=3 -cpu host -m 1G -display none -monitor none -nic none -no-reboot -serial stdio -kernel census.bin"
races="'"$races"'"
for n in '"$sizes"'; do
    echo "RUN-START $n"
    if [ $n = 512 ]; then
        IRQLOG=/tmp/irq-$n LD_PRELOAD=/usr/lib/irqlog.so timeout 900 $q -smp $n 2>/tmp/err-$n
    else
        timeout 900 $q -smp $n 2>/tmp/err-$n
    fi
    echo "RUN-END $n rc=$?"
    grep -v "exceeds the recommended cpus\|ACPI table size\|Try removing CPUs" /tmp/err-$n | head -5
done
for k in $races; do
    echo "RUN-START race$k"
    timeout 900 $q -smp 512 -append "race=$k" 2>/dev/null
    echo "RUN-END race$k rc=$?"
done
echo "RUN-START neg"
timeout 900 $q -smp 512 -append "skip-sgi=300 timeout=20" 2>/dev/null
echo "RUN-END neg rc=$?"
if [ -f /tmp/irq-512 ]; then
    echo "IRQLOG-BEGIN"; sort /tmp/irq-512 | uniq -c; echo "IRQLOG-END"
fi'
lab_run "$payload" "$cmd"

# host seconds of the lab console line "[  12.34] LINE" (LINE: a whole-line regex)
secs() { sed -n "s/^\[ *\([0-9.]*\)\] $1\$/\1/p" "$tmp/lab.log" | head -1; }
bad=0
for n in $sizes; do
    # the lines between RUN-START n and RUN-END n
    out=$(sed -n "/\] RUN-START $n\$/,/\] RUN-END $n rc=/p" "$tmp/lab.log")
    t=$(awk -v a="$(secs "RUN-START $n")" -v b="$(secs "RUN-END $n rc=[0-9]*")" 'BEGIN { printf "%.1f", b - a }')
    if grep -q "\] census: cpus=$n/$n ppi=$n/$n sgi=$n/$n\$" <<<"$out" &&
       ! grep -q 'census: FAILED' <<<"$out" && grep -q "RUN-END $n rc=0\$" <<<"$out"; then
        ok "-smp $n under KVM: census complete in ${t}s"
        sub "smp-$n" PASS "${t}s"
    else
        echo "FAIL: -smp $n under KVM" >&2
        sub "smp-$n" FAIL "$(grep -m1 -o 'census: cpus=[^ ]* ppi=[^ ]* sgi=[^ ]*' <<<"$out" || echo 'no census line')"
        bad=1
    fi
done

for k in $races; do
    out=$(sed -n "/\] RUN-START race$k\$/,/\] RUN-END race$k rc=/p" "$tmp/lab.log")
    t=$(awk -v a="$(secs "RUN-START race$k")" -v b="$(secs "RUN-END race$k rc=[0-9]*")" 'BEGIN { printf "%.1f", b - a }')
    line=$(grep -o 'census-race: targets=.*' <<<"$out" | head -1)
    n=$((512 - k))
    if grep -qx "census-race: targets=$n success=$n already_on=$((n * (k - 1))) on_pending=0 bad=0" <<<"$line" &&
       grep -q '\] census: cpus=512/512 ppi=512/512 sgi=512/512$' <<<"$out" &&
       ! grep -q 'FAILED' <<<"$out" && grep -q "RUN-END race$k rc=0\$" <<<"$out"; then
        ok "PSCI CPU_ON race under KVM, -smp 512, $k callers: ${line#census-race: } (${t}s)"
        sub "race-512-callers$k" PASS "${line#census-race: }"
    else
        echo "FAIL: PSCI CPU_ON race under KVM, -smp 512, $k callers: ${line:-no census-race line}" >&2
        sub "race-512-callers$k" FAIL "${line:-no census-race line}"
        bad=1
    fi
done

neg=$(sed -n '/\] RUN-START neg$/,/\] RUN-END neg rc=/p' "$tmp/lab.log")
if grep -q 'census: no sgi (1): 300$' <<<"$neg" && grep -q 'census: FAILED$' <<<"$neg"; then
    ok "negative control: the withheld SGI to CPU 300 is reported and fails the census"
    sub "negative-control" PASS ""
else
    echo "FAIL: the negative control did not fail" >&2
    sub "negative-control" FAIL "withheld SGI not detected"
    bad=1
fi

if [[ " $sizes " == *" 512 "* ]]; then
    log=$(sed -n '/\] IRQLOG-BEGIN$/,/\] IRQLOG-END$/p' "$tmp/lab.log" | sed 's/^\[[^]]*\] *//' |
          { grep 'type=' || true; })
    total=$(awk '{ s += $1 } END { print s + 0 }' <<<"$log")
    failed=$({ grep -v 'ret=0 ' <<<"$log" || true; } | awk '{ s += $1 } END { print s + 0 }')
    ppis=$({ grep ' type=2 ' <<<"$log" || true; } | awk '{ s += $1 } END { print s + 0 }')
    if [ "$total" -gt 0 ] && [ "$failed" = 0 ]; then
        ok "KVM_IRQ_LINE at -smp 512: $total calls, all returned 0, $ppis of them PPIs"
        sub "irq-line-512" PASS "$total calls, $ppis PPIs"
    else
        echo "FAIL: KVM_IRQ_LINE at -smp 512: $total calls, $failed failed" >&2
        sub "irq-line-512" FAIL "$total calls, $failed failed"
        bad=1
    fi
else
    sub "irq-line-512" SKIP "512 not in QL_LAB_SIZES"
fi
exit $bad
