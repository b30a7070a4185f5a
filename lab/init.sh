#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the nested arm64 KVM lab's initramfs (copied there by
# lab/initramfs.sh; runs under busybox ash).  Mounts proc, sys, devtmpfs, checks
# /dev/kvm, runs the command list /lab/cmd.sh that lab/run.sh appends as a
# second cpio archive (in /lab/files, where the --file payloads are), prints
# "LAB-EXIT=<status>" and powers off.
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

lab_exit() {
    echo "LAB-EXIT=$1"
    sync
    poweroff -f
    sleep 10     # not reached
}

echo "lab: /init up at $(cut -d' ' -f1 /proc/uptime) s, $(uname -r), $(nproc) CPUs"
if [ ! -c /dev/kvm ]; then
    echo "lab: error: no /dev/kvm in the lab kernel"
    lab_exit 1
fi
if [ ! -f /lab/cmd.sh ]; then
    echo "lab: error: no command list /lab/cmd.sh (run the lab with lab/run.sh)"
    lab_exit 1
fi
mkdir -p /lab/files
cd /lab/files || lab_exit 1
# Not exec: its exit status is reported below; stdin is the console.
# bash when packed (command lists may use <<< and the like), else ash.
if [ -x /bin/bash ]; then
    /bin/bash /lab/cmd.sh
else
    sh /lab/cmd.sh
fi
lab_exit $?
