#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The fork under a real libvirt (Debian's packages, installed by make
# setup), in a private qemu:///session daemon whose files all live under
# the build tree (libvirt/session.sh): no system daemon, no systemd.  The
# domains come from the documented template, libvirt/large-aarch64.xml,
# with the census payload as <kernel>, under TCG (type='qemu'; this host
# has no arm64 KVM; the type='kvm' twin is tests/lab-arm64/test-libvirt-kvm.sh).
#
#  - domcapabilities: <vcpu max/> for virt under TCG is the fork's own
#    query-machines cpu-max (512); type='kvm' is refused on this host
#  - 8 and 512 vCPUs with GICv3: define, start, census N/N, shut off,
#    undefine; the start-to-census time is printed and kept in
#    build/libvirt/times.tsv
#  - the maximum + 1 (513) is refused by libvirt's validation
#  - libvirt's default GIC under TCG is GICv2: it starts at 8, and beyond
#    8 the fork refuses with its GICv2 message, as for an explicit GICv2
#  - a topology that does not multiply out is refused by libvirt
# Every message is checked; no QEMU may abort or dump core.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/cases.sh"
lv=$top/libvirt
payload=$build/guest/census.bin
emu=$bin/qemu-system-aarch64
[ -f "$payload" ] || fail "no $payload (make guest)"
[ -x "$emu" ] || fail "no $emu (make)"
command -v virsh >/dev/null && [ -x /usr/sbin/libvirtd ] ||
    fail "libvirt is not installed (virsh, /usr/sbin/libvirtd): run make setup"

# The session's directory, under the build tree; its daemon runs as an
# unprivileged user when we are root, so it must be able to reach it.
sdir=$build/libvirt/t
results=$build/libvirt/times.tsv
mkdir -p "$build/libvirt"
"$lv/session.sh" "$sdir" --stop 2>/dev/null || true
rm -rf "$sdir"
mkdir -p "$sdir"
if ! "$lv/session.sh" "$sdir" --env >/dev/null; then
    # a private parent directory (e.g. a clone under a mode-700 home), or
    # a path too long for libvirt's monitor sockets
    rm -rf "$sdir"
    sdir=$(mktemp -d "${TMPDIR:-/tmp}/ql-libvirt.XXXXXX")
    echo "note: the session lives in $sdir instead"
fi
lvcleanup() {
    "$lv/session.sh" "$sdir" --stop 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$sdir"
    cleanup
}
trap lvcleanup EXIT
# every virsh call bounded: a hung daemon or QEMU fails the test
virsh_() { timeout 300 "$lv/session.sh" "$sdir" "$@"; }
"$lv/session.sh" "$sdir" version || fail "cannot start the libvirt session daemon"

# The emulator and payload must be readable by the daemon's user.  When a
# parent directory of the build tree is private, use copies in the session
# directory (the fork's binary is self-contained for a direct kernel boot).
if [ "$(id -u)" = 0 ]; then
    u=${QL_LIBVIRT_USER:-nobody}
    if ! setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups -- \
            test -r "$payload" -a -x "$emu"; then
        echo "note: user $u cannot read $emu or $payload; using copies"
        cp "$(readlink -f "$emu")" "$sdir/qemu-system-aarch64"
        cp "$payload" "$sdir/census.bin"
        emu=$sdir/qemu-system-aarch64 payload=$sdir/census.bin
        chown "$(stat -c %u:%g "$sdir")" "$emu" "$payload"
    fi
fi

# The daemon's user reads the XML files: keep them in the session directory
xml=$sdir/xml
mkdir -p "$xml"

qlog() { echo "$sdir/cache/libvirt/qemu/log/$1.log"; }

# domxml NAME LOG ARGS...: the template, filled in
domxml() {
    local name=$1 log=$2
    shift 2
    "$lv/domain.sh" --name "$name" --type qemu --emulator "$emu" \
        --kernel "$payload" --serial "$log" "$@" >"$xml/$name.xml"
}

# --- domain capabilities -------------------------------------------------
# What the fork itself says over QMP, under TCG, as libvirt asks it
qmp_cpu_max() {  # ACCEL
    printf '%s\n' '{"execute":"qmp_capabilities"}' \
        '{"execute":"query-machines"}' '{"execute":"quit"}' |
        timeout 60 "$emu" -machine "none,accel=$1" -nodefaults -display none \
            -qmp stdio 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line).get("return")
    if isinstance(r, list):
        print([m["cpu-max"] for m in r if m.get("alias") == "virt"][0])'
}
want=$(qmp_cpu_max tcg)
virsh_ domcapabilities --emulatorbin "$emu" --arch aarch64 --machine virt \
    --virttype qemu >"$tmp/domcaps-qemu.xml" 2>&1 || true
got=$(sed -n "s/.*<vcpu max='\([0-9]*\)'.*/\1/p" "$tmp/domcaps-qemu.xml")
grep -E '<vcpu|<machine>' "$tmp/domcaps-qemu.xml"
check domcaps-qemu "<vcpu max='$got'/> for virt under TCG; the fork's query-machines says ${want:-nothing}" \
    test -n "$got" -a "$got" = "$want" -a "$got" = 512

if [ "$(uname -m)" = x86_64 ]; then
    virsh_ domcapabilities --emulatorbin "$emu" --arch aarch64 --machine virt \
        --virttype kvm >"$tmp/domcaps-kvm.txt" 2>&1 && kvm_rc=0 || kvm_rc=$?
    cat "$tmp/domcaps-kvm.txt"
    check domcaps-kvm-refused "type kvm on this x86 host: refused by libvirt (exit $kvm_rc)" \
        eval '[ $kvm_rc != 0 ] && grep -qF "the accel '"'kvm'"' is not supported by '"'$emu'"' on this host" "$tmp/domcaps-kvm.txt"'
else
    sub domcaps-kvm-refused SKIP "not an x86 host: type kvm may work here (tests/lab-arm64/test-libvirt-kvm.sh covers it)"
fi

# --- domains that start --------------------------------------------------
# census N: define, start, wait for the census line, shut off, undefine
census() {
    local n=$1 name=census$1 log=$sdir/census$1.serial t0 t1 i state dt line
    domxml "$name" "$log" --vcpus "$n" --gic 3 --cmdline "timeout=120 linger=3000"
    virsh_ define "$xml/$name.xml" || return 1
    t0=$(date +%s.%N)
    virsh_ start "$name" || { virsh_ undefine "$name"; return 1; }
    for ((i = 0; i < 3000; i++)); do
        grep -qa '^census: ' "$log" 2>/dev/null && break
        sleep 0.05
    done
    t1=$(date +%s.%N)
    # census powers off (on_poweroff destroy): the domain ends by itself
    for ((i = 0; i < 150; i++)); do
        state=$(virsh_ domstate "$name" 2>&1)
        [ "$state" = "shut off" ] && break
        sleep 0.2
    done
    cat "$log"
    virsh_ destroy "$name" >/dev/null 2>&1 || true
    virsh_ undefine "$name" || return 1
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    printf 'libvirt-tcg: start-to-census %d vcpus: %.2f s\n' "$n" "$dt"
    printf 'tcg\t%d\t%.2f\t%s\n' "$n" "$dt" "$(date -u +%FT%TZ)" >>"$results"
    [ "$state" = "shut off" ] || { echo "domain state: $state"; return 1; }
    [ "$(census_of "$log")" = "$n" ]
}
check census-8 "8 vCPUs, GICv3: define, start, census 8/8, shut off, undefine" census 8
check census-512 "512 vCPUs (the reported maximum), GICv3: census 512/512" census 512

# libvirt's own GIC choice under TCG, at 8 vCPUs: GICv2, and it starts
default_gic_8() {
    local log=$sdir/dgic8.serial
    domxml dgic8 "$log" --vcpus 8 --gic default --cmdline "timeout=5"
    virsh_ define "$xml/dgic8.xml" && virsh_ start dgic8 || return 1
    sleep 1
    virsh_ destroy dgic8 >/dev/null 2>&1 || true
    virsh_ undefine dgic8 || return 1
    grep -a -- '-machine' "$(qlog dgic8)"
    cat "$log"
    grep -qa -- '-machine virt-[0-9.]*,.*gic-version=2' "$(qlog dgic8)" &&
        grep -qa -- '-smp 8,' "$(qlog dgic8)" &&
        grep -qxa 'census: no arm,gic-v3 node (use -M virt,gic-version=3)' "$log"
}
check default-gic-8 "no <gic/>, type qemu: libvirt picks gic-version=2; 8 vCPUs start and the guest runs (the census says it found no GICv3)" default_gic_8

# --- definitions that must be refused --------------------------------------
# refused NAME STAGE PATTERN DOMAIN-ARGS...: define (STAGE define) or start
# (STAGE start) fails, and the error contains the fixed string PATTERN
refused() {
    local name=$1 stage=$2 pat=$3 rc=0
    shift 3
    domxml "$name" "$sdir/$name.serial" "$@"
    if [ "$stage" = define ]; then
        virsh_ define "$xml/$name.xml" >"$tmp/$name.out" 2>&1 && rc=0 || rc=$?
        [ $rc = 0 ] && virsh_ undefine "$name" >/dev/null
    else
        virsh_ define "$xml/$name.xml" || return 1
        virsh_ start "$name" >"$tmp/$name.out" 2>&1 && rc=0 || rc=$?
        virsh_ destroy "$name" >/dev/null 2>&1 || true
        virsh_ undefine "$name" >/dev/null || return 1
    fi
    cat "$tmp/$name.out"
    [ $rc != 0 ] && grep -qF -- "$pat" "$tmp/$name.out"
}
check vcpus-513 "513 vCPUs: define refused by libvirt with the machine limit" \
    refused v513 define "Maximum CPUs greater than specified machine type limit 512" --vcpus 513
gic2_msg() {  # N: the fork's message for N vCPUs on GICv2
    echo "qemu-system-aarch64: -smp $1: at most 8 vCPUs for this machine: GICv2 (gic-version=2) has 8 CPU interfaces"
}
gic2_hint="Use -smp 8 or fewer, or gic-version=3."
check gicv2-9 "<gic version='2'/> with 9 vCPUs: start refused with the fork's GICv2 message" \
    refused g2v9 start "$(gic2_msg 9)" --vcpus 9 --gic 2
check gicv2-9-hint "the message names the way out: $gic2_hint" \
    grep -qF "$gic2_hint" "$tmp/g2v9.out"
check default-gic-9 "no <gic/>, 9 vCPUs: libvirt's GICv2, refused by the fork" \
    refused dg9 start "$(gic2_msg 9)" --vcpus 9 --gic default
check default-gic-512 "no <gic/>, 512 vCPUs under TCG: refused the same way" \
    refused dg512 start "$(gic2_msg 512)" --vcpus 512 --gic default
check topology "sockets=2 cores=3 threads=1 for 8 vCPUs: define refused by libvirt" \
    refused topo define "CPU topology doesn't match maximum vcpu count" --vcpus 8 --topology 2,3,1

# Nothing crashed: libvirt writes "shutting down, reason=R" in a domain's
# log whenever its QEMU ends; a QEMU that died by a signal of its own
# (abort, assertion, segfault) is reason=crashed.  Every domain above ended
# by a guest power-off (shutdown), virsh destroy (destroyed) or a refused
# start (failed); and QEMU's own assertion texts must not appear.
nocrash() {
    local logs=("$sdir"/cache/libvirt/qemu/log/*.log) f bad=0
    [ ${#logs[@]} -ge 6 ] || { echo "only ${#logs[@]} domain logs"; return 1; }
    for f in "${logs[@]}"; do
        grep -q 'shutting down, reason=' "$f" || { echo "$f: no end recorded"; bad=1; }
        if grep 'shutting down, reason=' "$f" | grep -qv 'reason=\(shutdown\|destroyed\|failed\)$'; then
            echo "$f: $(grep 'shutting down, reason=' "$f" | tr '\n' ' ')"
            bad=1
        fi
        ! grep -E '^\*\*|ERROR:|[Aa]ssertion' "$f" || bad=1
    done
    return $bad
}
check no-crash "every QEMU ended by power-off, destroy or a refused start; none crashed or asserted" nocrash
exit $failed
