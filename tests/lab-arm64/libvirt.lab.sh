# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source=lab/case.sh
# The in-lab half of test-libvirt-kvm.sh (bash, as root on a throwaway arm64
# KVM host: it unpacks libvirt into / and runs the system daemon).  Every
# step is one case of lab/case.sh; the host side judges them.
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
cd "$QL_FILES" || exit 1
V() { virsh -q -c qemu:///system "$@"; }
setup_fail() { case_note setup ok=no; echo "libvirt-kvm: setup failed: $*"; exit 1; }

# Unpack libvirt; users and groups libvirt looks up even when qemu.conf
# says root (its compiled-in defaults are resolved first); directories.
tar -xzf "$QL_FILES/libvirt-root.tar.gz" -C / || setup_fail "cannot unpack libvirt-root.tar.gz"
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
case_note setup ok=yes libvirt=$(virsh --version) packages=$(wc -l </etc/libvirt/lab-packages)


# domcaps TAG EMULATOR: domcapabilities (KVM, virt) of EMULATOR: case
# domcaps-TAG, whose stdout has the <vcpu max/> line
domcaps() {
    case_run "domcaps-$1" 300 -- virsh -q -c qemu:///system domcapabilities \
        --emulatorbin "$2" --arch aarch64 --machine virt --virttype kvm
}

# domain NAME VCPUS GIC EMULATOR [define-only]: render (domain.sh) and
# define (case define-NAME); unless define-only or refused: start
# (start-NAME), wait for the census on the serial port and for the domain
# to shut off (census-NAME: the serial output as stdout, the domain's QEMU
# log as stderr; its notes say the final state and how many <gic> elements
# the XML had); undefine (undefine-NAME).
# linger=10000: the census waits 10 s before it powers off, so a guest
# cannot finish before "virsh start" returns (libvirt would then fail
# the start: docs/libvirt.md).  The start-to-census time is not affected.
domain() {
    local name=$1 n=$2 gic=$3 emu=$4 only=${5:-} xml=/tmp/$1.xml ser=/tmp/$1.serial
    local t0 t1 state i log=/var/log/libvirt/qemu/$1.log d=$QL_CASE_TMP/census-$1
    bash ./domain.sh --name "$name" --type kvm --vcpus "$n" --gic "$gic" \
        --emulator "$emu" --kernel "$QL_FILES/census.bin" --cmdline "timeout=300 linger=10000" \
        --serial "$ser" >"$xml" || { echo "libvirt-kvm: domain.sh failed for $name"; return; }
    case_run "define-$name" 120 -- virsh -q -c qemu:///system define "$xml" || return
    if [ -z "$only" ]; then
        t0=$(case_now)
        if case_run "start-$name" 300 -- virsh -q -c qemu:///system start "$name"; then
            # the census line, bounded; stop early when the domain is gone
            for ((i = 0; i < 1500; i++)); do
                [ "$(case_census_count "$ser")" -ge 1 ] && break
                if [ $((i % 25)) = 24 ] && [ "$(V domstate "$name" 2>&1)" != running ]; then
                    break
                fi
                sleep 0.2
            done
            t1=$(case_now)
            for ((i = 0; i < 300; i++)); do
                state=$(V domstate "$name" 2>&1 | head -1)
                [ "$state" = "shut off" ] && break
                sleep 0.2
            done
            [ "$state" = "shut off" ] || V destroy "$name" >/dev/null 2>&1
            mkdir -p "$d"
            cp "$ser" "$d/out" 2>/dev/null || : >"$d/out"
            cp "$log" "$d/err" 2>/dev/null || : >"$d/err"
            case_note "census-$name" state="${state// /-}" xml_gic="$(grep -c "<gic" "$xml")"
            case_report "census-$name" 0 $((t1 - t0))
        fi
    fi
    case_run "undefine-$name" 120 -- virsh -q -c qemu:///system undefine "$name"
}
# linux NAME VCPUS CPUS CYCLE: a Linux guest (the lab's kernel as
# $QL_FILES/Image, lab/linux-guest.sh's initramfs, guest/linux/init.sh) in
# a domain of the same template: define-NAME, start-NAME, linux-NAME (the
# serial output as stdout, up to the guest's verdict and power-off; the
# QEMU log as stderr; note state=), undefine-NAME
linux() {
    local name=$1 n=$2 xml=/tmp/$1.xml ser=/tmp/$1.serial t0 t1 state end
    local log=/var/log/libvirt/qemu/$1.log d=$QL_CASE_TMP/linux-$1
    bash ./domain.sh --name "$name" --type kvm --vcpus "$n" --gic 3 \
        --emulator /usr/bin/qemu-system-aarch64 --kernel "$QL_FILES/Image" \
        --initrd "$QL_FILES/linux-guest.cpio.gz" --serial "$ser" \
        --cmdline "console=ttyAMA0 quiet maxcpus=1 nosoftlockup panic=-1 ql.cpus=$3 ql.cycle=$4" \
        >"$xml" || { echo "libvirt-kvm: domain.sh failed for $name"; return; }
    case_run "define-$name" 120 -- virsh -q -c qemu:///system define "$xml" || return
    t0=$(case_now)
    if case_run "start-$name" 300 -- virsh -q -c qemu:///system start "$name"; then
        # the guest's verdict and power-off (on_poweroff destroy), within
        # 900 s, each virsh call within 10 s
        end=$((t0 + 900000))
        while [ "$(case_now)" -lt "$end" ]; do
            state=$(timeout 10 virsh -q -c qemu:///system domstate "$name" 2>&1 | head -1)
            [ "$state" = "shut off" ] && break
            sleep 1
        done
        t1=$(case_now)
        [ "$state" = "shut off" ] || V destroy "$name" >/dev/null 2>&1
        mkdir -p "$d"
        cp "$ser" "$d/out" 2>/dev/null || : >"$d/out"
        cp "$log" "$d/err" 2>/dev/null || : >"$d/err"
        case_note "linux-$name" state="${state// /-}"
        case_report "linux-$name" 0 $((t1 - t0))
    fi
    case_run "undefine-$name" 120 -- virsh -q -c qemu:///system undefine "$name"
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
    echo "libvirt-kvm: no /usr/bin/qemu-base in the lab (lab/initramfs.sh --base)"
fi
domcaps fork-nolayout2 /opt/lvwrap/qemu-fork-nolayout2
# what the 512 of the base meant: libvirt accepts 257, QEMU refuses it at start
[ -x /usr/bin/qemu-base ] && domain bl257 257 3 /opt/lvwrap/qemu-base-nolayout2
domain nl257 257 3 /opt/lvwrap/qemu-fork-nolayout2 define-only
domain nl256 256 3 /opt/lvwrap/qemu-fork-nolayout2
# last: the longest run (about 5 minutes in the lab)
[ ! -f "$QL_FILES/Image" ] || case_max_lines=300 linux lx512 512 1,127,255,256,257,383,510,511 256
echo "libvirt-kvm: the daemon's log, last lines:"
grep -v "dmidecode\|virCPUarmDecode\|disables default policy" /tmp/libvirtd.log | tail -n 20
