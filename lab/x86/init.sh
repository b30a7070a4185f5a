#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the nested x86 (SVM) lab's initramfs (copied there by
# lab/x86/initramfs.sh; runs under busybox ash).  Loads the KVM modules in
# /lab/modules/order, prints the kernel's kvm lines and kvm_amd's
# parameters, then lab/init-tail.sh checks /dev/kvm and runs the command
# list that lab/run.sh --lab x86 appends.
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root TERM=dumb
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# as on any host (devtmpfs has no /dev/fd): bash process substitution needs it
ln -s /proc/self/fd /dev/fd
mkdir -p /tmp
mount -t tmpfs tmpfs /tmp

echo "lab: /init up at $(cut -d' ' -f1 /proc/uptime) s, $(uname -r), $(nproc) CPUs"
while read -r m; do
    insmod "/lab/modules/$m" || echo "lab: error: insmod $m failed"
done </lab/modules/order
echo "lab: modules loaded at $(cut -d' ' -f1 /proc/uptime) s: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
dmesg | grep -iE 'kvm|svm|ccp' | sed 's/^/lab: dmesg: /'
for p in nested nrips npt avic vls vgif lbrv; do
    printf '%s=%s ' "$p" "$(cat /sys/module/kvm_amd/parameters/$p 2>/dev/null || echo -)"
done
echo
. /lab/init-tail.sh
