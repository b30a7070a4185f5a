#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the nested arm64 KVM lab's initramfs (copied there by
# lab/initramfs.sh; runs under busybox ash).  Mounts proc, sys, devtmpfs,
# then lab/init-tail.sh checks /dev/kvm and runs the command list.
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root TERM=dumb
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# as on any host (devtmpfs has no /dev/fd): bash process substitution needs it
ln -s /proc/self/fd /dev/fd
mkdir -p /dev/pts /dev/shm /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp

echo "lab: /init up at $(cut -d' ' -f1 /proc/uptime) s, $(uname -r), $(nproc) CPUs"
. /lab/init-tail.sh
