#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real libvirt driving the fork under KVM: one boot of the nested arm64 lab
# with Debian's libvirt 11.3 arm64 (bookworm-backports) unpacked into it
# (lab/libvirt/pack.sh -> build/lab/libvirt-root.tar.gz).
#
# libvirt runs as the SYSTEM daemon (qemu:///system, libvirtd + virtlogd as
# root): the lab is a throwaway VM, the lab's busybox has no setpriv,
# chpst or su to run a session daemon as another user (only
# start-stop-daemon -c, whose "already running" matching gets in the way of
# repeated virsh calls), and qemu:///system is what a real arm64 KVM host
# uses.  The lab's qemu.conf runs QEMU as root without cgroups, mount
# namespaces or a security driver (the lab has none of them set up).
#
# Checks, each one sub-result:
#  domcaps-512      virsh domcapabilities --virttype kvm for the fork says
#                   <vcpu max='512'/>
#  kvm-512          a type='kvm' domain from libvirt/large-aarch64.xml
#                   (libvirt/domain.sh, gic 3) with 512 vCPUs: define, start,
#                   census 512/512 on the serial log, shut off after the
#                   census powers off, undefine; prints the start-to-census time
#  kvm-8-gic-default  8 vCPUs without <gic>: libvirt must pick gic-version=3
#                   under KVM (QEMU command line in the domain log), census 8/8
#  define-513       define with 513 vCPUs is refused with libvirt's "Maximum
#                   CPUs greater than specified machine type limit 512"
#  layout2-*        KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 hidden from QEMU by
#                   lab/kvmfault.c through WRAPPER SCRIPTS used as the
#                   emulator (libvirt gives QEMU a clean environment; see
#                   below): domcapabilities 512 for the unpatched base and
#                   256 for the fork; a 257-vCPU base domain is defined
#                   and refused only at start (what the base's 512 meant), a 257-vCPU fork domain refused by
#                   libvirt's validation, a 256-vCPU one runs the census
#                   256/256 with the fault really injected.  The fork's 256
#                   needs its query-machines cpu-max under KVM to follow the
#                   host limits; without that patch layout2-domcaps-fork and
#                   layout2-define-257 fail, as they should.
#
# Environment of the QEMU processes: libvirt builds it from scratch.  Of
# libvirtd's own environment it passes LD_PRELOAD and LD_LIBRARY_PATH
# through (seen in the lab: QEMU's /proc/PID/environ and the domain log),
# but not KVMFAULT_*, and its capability probe of an emulator runs with no
# domain XML at all, so neither libvirtd's environment nor <qemu:env> in a
# domain can change what domcapabilities reports.  The wrappers (/opt/lvwrap/*, exec of the
# real binary with the variables set) are separate emulator paths, so
# libvirt probes and caches them separately from /usr/bin/qemu-system-aarch64.
#
# Writes one result line per check to $QL_SUBRESULTS when set (make check).
. "$(dirname "$0")/lib.sh"
payload=$build/guest/census.bin
tarball=$build/lab/libvirt-root.tar.gz
[ -f "$payload" ] || fail "no $payload (make guest)"
# The tarball: packed (or found up to date) here, from the pinned .debs.
"$top/lab/libvirt/pack.sh" >"$tmp/pack.log" 2>&1 || {
    cat "$tmp/pack.log"
    fail "lab/libvirt/pack.sh failed: no libvirt for the lab (see above)"
}
cat "$tmp/pack.log"
[ -f "$tarball" ] || fail "no $tarball"
for f in "$top/libvirt/domain.sh" "$top/libvirt/large-aarch64.xml"; do
    [ -f "$f" ] || fail "no $f (the domain template and its renderer)"
done

# Runs inside the lab (bash).  Every result is one "LV-..." line; the host
# side below decides.
# shellcheck disable=SC2016  # expanded inside the lab
cmd='
el() { awk -v a="$1" -v b="$2" "BEGIN { printf \"%.2f\", b - a }"; }
V() { virsh -q -c qemu:///system "$@"; }
oneline() { tr "\n" " " | sed "s/  */ /g"; }
setup_fail() { echo "LV-SETUP FAIL $*"; exit 0; }

# Unpack libvirt; users and groups libvirt looks up even when qemu.conf
# says root (its compiled-in defaults are resolved first); directories.
t0=$EPOCHREALTIME
tar -xzf libvirt-root.tar.gz -C / || setup_fail "cannot unpack libvirt-root.tar.gz"
echo "LV-UNPACK t=$(el "$t0" "$EPOCHREALTIME")"
echo "libvirt-qemu:x:64055:64055:libvirt QEMU:/var/lib/libvirt:/bin/false" >>/etc/passwd
printf "kvm:x:993:\nlibvirt-qemu:x:64055:\n" >>/etc/group
printf "passwd: files\ngroup: files\nshadow: files\nhosts: files\n" >/etc/nsswitch.conf
mkdir -p /run /var && ln -sfn /run /var/run
mkdir -p /var/lib/libvirt/qemu /var/cache/libvirt/qemu /var/log/libvirt/qemu /opt/lvwrap
cat >/etc/libvirt/qemu.conf <<EOF
# The lab: QEMU as root, no cgroups, no mount namespace, no SELinux/AppArmor.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
EOF
cat >/etc/libvirt/libvirtd.conf <<EOF
# Root clients only (the lab), no polkit; warnings and errors to a file.
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/tmp/libvirtd.log"
EOF
virtlogd -d || setup_fail "virtlogd -d failed"
libvirtd -d || setup_fail "libvirtd -d failed"
for _ in $(seq 100); do [ -S /run/libvirt/libvirt-sock ] && break; sleep 0.2; done
[ -S /run/libvirt/libvirt-sock ] || setup_fail "no /run/libvirt/libvirt-sock after 20 s"
echo "LV-SETUP ok $(virsh --version) $(wc -l </etc/libvirt/lab-packages) packages"

# domcaps TAG EMULATOR: the <vcpu max/> line of domcapabilities (KVM, virt)
domcaps() {
    local t0 out rc
    t0=$EPOCHREALTIME
    out=$(V domcapabilities --emulatorbin "$2" --arch aarch64 --machine virt --virttype kvm 2>&1); rc=$?
    echo "LV-DOMCAPS $1 rc=$rc t=$(el "$t0" "$EPOCHREALTIME") $(grep -o "<vcpu max=.[0-9]*./>" <<<"$out" || echo "no vcpu line: $(head -c 400 <<<"$out" | oneline)")"
}

# domain NAME VCPUS GIC EMULATOR [define-only]: render, define; unless
# define-only (or refused): start, wait for the census, wait for shut off,
# report the QEMU command line gic-version and the census; undefine.
# linger=10000: the census waits 10 s before it powers off, so a guest
# cannot finish before "virsh start" returns (libvirt would then fail
# the start: docs/libvirt.md).  The start-to-census time is not affected.
domain() {
    local name=$1 n=$2 gic=$3 emu=$4 only=${5:-} xml=/tmp/$1.xml ser=/tmp/$1.serial
    local out rc t0 t1 line state i log=/var/log/libvirt/qemu/$1.log
    bash ./domain.sh --name "$name" --type kvm --vcpus "$n" --gic "$gic" \
        --emulator "$emu" --kernel /lab/files/census.bin --cmdline "timeout=300 linger=10000" \
        --serial "$ser" >"$xml" || { echo "LV-DEFINE $name rc=99 domain.sh failed"; return; }
    echo "LV-XMLGIC $name $(grep -c "<gic" "$xml")"
    out=$(V define "$xml" 2>&1); rc=$?
    echo "LV-DEFINE $name rc=$rc $(oneline <<<"$out")"
    [ $rc = 0 ] || return
    if [ -z "$only" ]; then
        t0=$EPOCHREALTIME
        out=$(V start "$name" 2>&1); rc=$?
        echo "LV-START $name rc=$rc t=$(el "$t0" "$EPOCHREALTIME") $(oneline <<<"$out")"
        line=
        if [ $rc = 0 ]; then
            # the census line, bounded; stop early when the domain is gone
            for ((i = 0; i < 1500; i++)); do
                line=$(grep -a -m1 "census: cpus=" "$ser" 2>/dev/null) && break
                line=
                if [ $((i % 25)) = 24 ] && [ "$(V domstate "$name" 2>&1)" != running ]; then
                    line=$(grep -a -m1 "census: cpus=" "$ser" 2>/dev/null) || line=
                    break
                fi
                sleep 0.2
            done
            t1=$EPOCHREALTIME
            echo "LV-CENSUS $name t=$(el "$t0" "$t1") ${line:-none}"
            grep -a "census: FAILED" "$ser" >/dev/null 2>&1 && echo "LV-CENSUS-FAILED $name"
            for ((i = 0; i < 300; i++)); do
                state=$(V domstate "$name" 2>&1 | head -1)
                [ "$state" = "shut off" ] && break
                sleep 0.2
            done
            echo "LV-STATE $name $state after $(el "$t1" "$EPOCHREALTIME") s"
            [ "$state" = "shut off" ] || V destroy "$name" >/dev/null 2>&1
        fi
        echo "LV-GIC $name $(grep -a -o "gic-version=[0-9a-z]*" "$log" 2>/dev/null | tail -1)"
        grep -a -q "kvmfault: injected 0 for KVM_CAP_ARM_IRQ_LINE_LAYOUT_2" "$log" 2>/dev/null &&
            echo "LV-INJECTED $name"
        [ -n "$line" ] || { echo "LV-LOG $name:"; tail -n 15 "$log" 2>/dev/null | sed "s/^/LOG: /"; }
    fi
    out=$(V undefine "$name" 2>&1); rc=$?
    echo "LV-UNDEFINE $name rc=$rc $(oneline <<<"$out")"
}

domcaps fork /usr/bin/qemu-system-aarch64
domain kvm512 512 3 /usr/bin/qemu-system-aarch64
domain kvm8 8 default /usr/bin/qemu-system-aarch64
domain kvm513 513 3 /usr/bin/qemu-system-aarch64 define-only

# LAYOUT_2 hidden (lab/kvmfault.c) by wrapper scripts used as the emulator.
for q in fork:/usr/bin/qemu-system-aarch64 base:/usr/bin/qemu-base; do
    cat >"/opt/lvwrap/qemu-${q%%:*}-nolayout2" <<EOF
#!/bin/sh
# ${q#*:} with KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 hidden (test-only fault injection)
KVMFAULT_NO_LAYOUT2=1 LD_PRELOAD=/usr/lib/kvmfault.so
export KVMFAULT_NO_LAYOUT2 LD_PRELOAD
exec ${q#*:} "\$@"
EOF
    chmod 755 "/opt/lvwrap/qemu-${q%%:*}-nolayout2"
done
if [ -x /usr/bin/qemu-base ]; then
    domcaps base-nolayout2 /opt/lvwrap/qemu-base-nolayout2
else
    echo "LV-DOMCAPS base-nolayout2 rc=99 t=0 no /usr/bin/qemu-base in the lab (lab/initramfs.sh --base)"
fi
domcaps fork-nolayout2 /opt/lvwrap/qemu-fork-nolayout2
# what the 512 of the base meant: libvirt accepts 257, QEMU refuses it at start
[ -x /usr/bin/qemu-base ] && domain bl257 257 3 /opt/lvwrap/qemu-base-nolayout2
domain nl257 257 3 /opt/lvwrap/qemu-fork-nolayout2 define-only
domain nl256 256 3 /opt/lvwrap/qemu-fork-nolayout2
echo "LV-DAEMON-LOG:"
grep -v "dmidecode\|virCPUarmDecode\|disables default policy" /tmp/libvirtd.log | tail -n 20 | sed "s/^/DLOG: /"
echo "LV-DONE"
'
t0=${EPOCHREALTIME/./}
rc=0
"$top/lab/run.sh" --timeout "${QL_LAB_TIMEOUT:-900}" --file "$tarball" --file "$payload" \
    --file "$top/libvirt/domain.sh" --file "$top/libvirt/large-aarch64.xml" -- "$cmd" \
    >"$tmp/lab.log" 2>&1 || rc=$?
t1=${EPOCHREALTIME/./}
cat "$tmp/lab.log"
[ $rc = 0 ] || fail "the lab run exited $rc"

# The lab's result lines, without the host timestamps
lv() { sed -n 's/^\[[^]]*\] \(LV-.*\)$/\1/p' "$tmp/lab.log" | grep -F -- "$1" || true; }
grep -q '^LV-SETUP ok' <<<"$(lv LV-SETUP)" || fail "libvirt did not start in the lab: $(lv LV-SETUP)"
ok "$(lv LV-SETUP)"
probe=$(lv 'LV-DOMCAPS fork ' | sed -n 's/.* t=\([0-9.]*\) .*/\1/p')
echo "libvirt-kvm: first domcapabilities (capability probe of the fork): ${probe:-?} s"

# has_vcpu_max TAG N
has_vcpu_max() { grep -Fq "rc=0 " <<<"$(lv "LV-DOMCAPS $1 ")" && grep -Fq "<vcpu max='$2'/>" <<<"$(lv "LV-DOMCAPS $1 ")"; }
check domcaps-512 "domcapabilities (fork, kvm, virt): $(lv 'LV-DOMCAPS fork ' | cut -d' ' -f3-)" \
    has_vcpu_max fork 512

# census_ok NAME N: defined, started, census N/N, shut off, undefined
census_ok() {
    local name=$1 n=$2
    grep -q "^LV-DEFINE $name rc=0" <<<"$(lv "LV-DEFINE $name ")" &&
    grep -q "^LV-START $name rc=0" <<<"$(lv "LV-START $name ")" &&
    grep -q " census: cpus=$n/$n ppi=$n/$n sgi=$n/$n\$" <<<"$(lv "LV-CENSUS $name ")" &&
    [ -z "$(lv "LV-CENSUS-FAILED $name")" ] &&
    grep -q "^LV-STATE $name shut off" <<<"$(lv "LV-STATE $name ")" &&
    grep -q "^LV-UNDEFINE $name rc=0" <<<"$(lv "LV-UNDEFINE $name ")"
}
summary() {  # NAME: what happened, for the detail column
    echo "$(lv "LV-CENSUS $1 " | cut -d' ' -f3-); $(lv "LV-STATE $1 " | cut -d' ' -f3-)$(lv "LV-DEFINE $1 rc=" | grep -v ' rc=0' | cut -d' ' -f3-)$(lv "LV-START $1 rc=" | grep -v ' rc=0' | cut -d' ' -f3-)"
}
ctime() { lv "LV-CENSUS $1 " | sed -n 's/.* t=\([0-9.]*\) .*/\1/p'; }
check kvm-512 "512 vCPUs, gic 3: $(summary kvm512)" census_ok kvm512 512
check kvm-8-gic-default "8 vCPUs, <gic> elements in the XML: $(lv 'LV-XMLGIC kvm8 ' | cut -d' ' -f3); QEMU got $(lv 'LV-GIC kvm8' | cut -d' ' -f3-); $(summary kvm8)" \
    eval 'census_ok kvm8 8 && grep -q "gic-version=3$" <<<"$(lv "LV-GIC kvm8")" &&
          [ "$(lv "LV-XMLGIC kvm8 ")" = "LV-XMLGIC kvm8 0" ]'
for n in 8 512; do
    t=$(ctime "kvm$n")
    [ -z "$t" ] || echo "libvirt-kvm: start-to-census $n vcpus: $t s"
done

# refused NAME LIMIT: define failed with libvirt's machine type limit message
refused() {
    local l
    l=$(lv "LV-DEFINE $1 ")
    grep -q "^LV-DEFINE $1 rc=[1-9]" <<<"$l" &&
        grep -Fq "Maximum CPUs greater than specified machine type limit $2" <<<"$l"
}
check define-513 "$(lv 'LV-DEFINE kvm513 ' | cut -d' ' -f3-)" refused kvm513 512

check layout2-domcaps-base "domcapabilities (base, LAYOUT_2 hidden): $(lv 'LV-DOMCAPS base-nolayout2 ' | cut -d' ' -f3-)" \
    has_vcpu_max base-nolayout2 512
base257() {
    grep -q "^LV-DEFINE bl257 rc=0" <<<"$(lv "LV-DEFINE bl257 ")" &&
        grep -q "^LV-START bl257 rc=[1-9].*KVM_CAP_ARM_IRQ_LINE_LAYOUT_2" <<<"$(lv "LV-START bl257 ")"
}
check layout2-base-257 "base, LAYOUT_2 hidden, 257 vCPUs: defined, refused only at start: $(lv 'LV-START bl257 ' | cut -d' ' -f3- | cut -c1-300)" \
    base257
check layout2-domcaps-fork "domcapabilities (fork, LAYOUT_2 hidden), want 256: $(lv 'LV-DOMCAPS fork-nolayout2 ' | cut -d' ' -f3-)" \
    has_vcpu_max fork-nolayout2 256
check layout2-define-257 "want refused at 256: $(lv 'LV-DEFINE nl257 ' | cut -d' ' -f3-)" refused nl257 256
check layout2-census-256 "256 vCPUs, LAYOUT_2 hidden: $(summary nl256)$([ -n "$(lv 'LV-INJECTED nl256')" ] || echo '; kvmfault did not report the injection')" \
    eval 'census_ok nl256 256 && [ -n "$(lv "LV-INJECTED nl256")" ]'
t=$(ctime nl256)
[ -z "$t" ] || echo "libvirt-kvm: start-to-census 256 vcpus (LAYOUT_2 hidden): $t s"
echo "libvirt-kvm: whole lab run $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }') s"
exit "$failed"
