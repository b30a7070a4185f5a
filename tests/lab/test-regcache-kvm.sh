#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The vCPU register cache (target/arm/kvm.c) under KVM, for real: one boot of
# the nested arm64 lab with the fork and the unpatched base (qemu-base).
#
# 1. Same state as the base.  At each N in QL_LAB_SIZES (default 2 64 512),
#    base and fork start the census guest with -S and save a migration stream
#    twice: at prelaunch, and after a QMP system_reset.  lab/vmstate-cmp.c
#    compares the base's and the fork's streams: every vCPU's system
#    registers (the cpreg arrays) and every other byte must be the same,
#    except the values of the generic-timer registers, which move with time.
# 2. Negative control: the same comparison between the fork's prelaunch
#    stream and one saved after the census guest ran must fail, with
#    register differences found (vmstate-cmp can see a difference).
# 3. Reset after running.  At each N the fork runs the census with
#    -action shutdown=pause; when the guest powers off, QMP system_reset and
#    cont run it again.  Both censuses must say cpus=N/N ppi=N/N sgi=N/N.
#    The second start-up follows the path where the vCPUs have run, so the
#    cache must forget everything and read the registers again.
# 4. Fewer ioctls.  At the largest N, the fork's KVM_GET_ONE_REG plus
#    KVM_SET_ONE_REG calls to QMP ready (lab/ioctlcount.c) must be under a
#    third of the base's.
#
# Writes one result line per check to $QL_SUBRESULTS when set (make check).
. "$(dirname "$0")/lib.sh"
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
base=$build/lab/cross-base/qemu-system-aarch64
[ -x "$base" ] || fail "no base build $base (make bench builds it: lab/cross-build.sh)"
sizes=${QL_LAB_SIZES:-2 64 512}
"$top/lab/initramfs.sh" --base "$base" >/dev/null

cmd='
Q="-accel kvm -M virt,gic-version=3,dtb-randomness=off -cpu host -m 1G -display none -nic none -monitor none -kernel /lab/files/census.bin"
qmp_start() {  # BIN N EXTRA...: QEMU with QMP on the coproc
    local bin=$1 n=$2; shift 2
    coproc QM { exec $bin $Q -smp $n "$@" -qmp stdio 2>/tmp/err; }
    qmp "{\"execute\":\"qmp_capabilities\"}" return
}
qmp() {  # JSON WANT: send, read until a line containing WANT
    local line
    echo "$1" >&"${QM[1]}"
    while read -r -t 1200 -u "${QM[0]}" line; do
        case $line in *"\"error\""*) echo "QMP-ERROR $line"; return 1 ;;
                      *"$2"*) return 0 ;; esac
    done
    echo "QMP-TIMEOUT waiting for $2"; return 1
}
save() {  # FILE: migrate to FILE and wait for completion
    local line
    qmp "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat >$1\"}}" return || return 1
    while :; do
        echo "{\"execute\":\"query-migrate\"}" >&"${QM[1]}"
        read -r -t 1200 -u "${QM[0]}" line || return 1
        case $line in *completed*) return 0 ;; *failed*) echo "MIGRATE-FAILED $line"; return 1 ;; esac
        sleep 0.2
    done
}
quit() { qmp "{\"execute\":\"quit\"}" return; wait $QM_PID; }
for n in '"$sizes"'; do
    for b in base fork; do
        bin=qemu-system-aarch64; [ $b = base ] && bin=qemu-base
        if qmp_start $bin $n -S -serial none && save /tmp/$b-$n-init &&
           qmp "{\"execute\":\"system_reset\"}" return && save /tmp/$b-$n-reset && quit; then
            echo "SAVED $b $n"
        else
            echo "SAVE-FAIL $b $n"; head -3 /tmp/err; kill $QM_PID 2>/dev/null
        fi
    done
    for s in init reset; do
        vmstate-cmp /tmp/base-$n-$s /tmp/fork-$n-$s; echo "CMP $s $n rc=$?"
    done
    # 3: census, system_reset, census again
    rm -f /tmp/ser
    ok=1
    qmp_start qemu-system-aarch64 $n -serial file:/tmp/ser -action shutdown=pause || ok=0
    for round in 1 2; do
        [ $ok = 1 ] || break
        for i in $(seq 1 2400); do
            [ "$(grep -c "census: cpus=" /tmp/ser 2>/dev/null)" -ge $round ] && break
            grep -q "census: FAILED" /tmp/ser 2>/dev/null && break
            sleep 0.5
        done
        # wait for the power-off to pause the VM
        for i in $(seq 1 200); do
            echo "{\"execute\":\"query-status\"}" >&"${QM[1]}"
            read -r -t 60 -u "${QM[0]}" line || break
            case $line in *"\"running\": false"*) break ;; esac
            sleep 0.2
        done
        if [ $round = 1 ]; then
            [ $n = '"${sizes##* }"' ] && save /tmp/fork-$n-ran
            qmp "{\"execute\":\"system_reset\"}" return && qmp "{\"execute\":\"cont\"}" return || ok=0
        fi
    done
    quit
    grep "census:" /tmp/ser | grep -v "census: cpu [0-9]" | sed "s/^/SER $n /"
    echo "RESET-CENSUS $n count=$(grep -c "census: cpus=$n/$n ppi=$n/$n sgi=$n/$n" /tmp/ser) failed=$(grep -c "census: FAILED" /tmp/ser) ok=$ok"
done
n='"${sizes##* }"'
if [ -f /tmp/fork-$n-ran ]; then
    vmstate-cmp /tmp/fork-$n-init /tmp/fork-$n-ran >/tmp/ctl; r=$?
    tail -1 /tmp/ctl; echo "CMP control $n rc=$r"
fi
for b in base fork; do
    bin=qemu-system-aarch64; [ $b = base ] && bin=qemu-base
    rm -f /tmp/ic
    qmp_start "env LD_PRELOAD=/usr/lib/ioctlcount.so IOCTLCOUNT=/tmp/ic $bin" $n -S -serial none && quit
    echo "IOCTLS $b $n $(awk "/KVM_GET_ONE_REG|KVM_SET_ONE_REG/ { s += \$1 } END { print s + 0 }" /tmp/ic)"
done
'
lab_run "$payload" "$cmd"
log=$tmp/lab.txt
sed 's/^\[ *[0-9.]*\] //; s/\r$//' "$tmp/lab.log" >"$log"
rc=0
for n in $sizes; do
    for s in init reset; do
        if grep -q "CMP $s $n rc=0" "$log"; then
            sub "regcache-same-$s-$n" PASS "fork's stream = base's, timers aside"
        else
            sub "regcache-same-$s-$n" FAIL "see lab.log"; echo "FAIL: streams differ ($s, N=$n)"; rc=1
        fi
    done
    if grep -q "RESET-CENSUS $n count=2 failed=0 ok=1" "$log"; then
        sub "regcache-reset-census-$n" PASS "census, system_reset, census: both $n/$n"
    else
        sub "regcache-reset-census-$n" FAIL "see lab.log"; echo "FAIL: census after reset (N=$n)"; rc=1
    fi
done
n=${sizes##* }
ctl=$(grep -B1 "CMP control $n rc=" "$log" | sed -n 1p || true)
if grep -q "CMP control $n rc=1" "$log" && [[ $ctl =~ reg=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
    sub "regcache-control-$n" PASS "after a run: ${BASH_REMATCH[1]} registers differ, as they must"
else
    sub "regcache-control-$n" FAIL "vmstate-cmp saw no difference after a run"; echo "FAIL: negative control"; rc=1
fi
bi=$(awk -v n="$n" '$1 == "IOCTLS" && $2 == "base" && $3 == n { print $4 }' "$log" )
fi_=$(awk -v n="$n" '$1 == "IOCTLS" && $2 == "fork" && $3 == n { print $4 }' "$log" )
if [ -n "$bi" ] && [ -n "$fi_" ] && [ "$bi" -gt 0 ] && [ $((fi_ * 3)) -lt "$bi" ]; then
    sub "regcache-ioctls-$n" PASS "ONE_REG calls to ready: base $bi, fork $fi_"
else
    sub "regcache-ioctls-$n" FAIL "base ${bi:-?}, fork ${fi_:-?}"; echo "FAIL: ioctl counts base=${bi:-?} fork=${fi_:-?}"; rc=1
fi
[ $rc = 0 ] && echo "PASS: register cache: same state as the base, reset after running, fewer ioctls"
exit $rc
