# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# The end of both labs' /init (lab/init.sh, lab/x86/init.sh), sourced once
# each has its lab ready: checks /dev/kvm, runs the command list
# /lab/cmd.sh that lab/run.sh appends as a second cpio archive (in
# /lab/files, where the --file payloads are), prints "LAB-EXIT=<status>"
# and powers off.  Packed as /lab/init-tail.sh by both initramfs scripts.
lab_exit() {
    echo "LAB-EXIT=$1"
    sync
    poweroff -f
    sleep 10     # not reached
}

if [ -c /dev/kvm ] && exec 3<>/dev/kvm; then
    exec 3>&-
else
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
# bash when packed (the arm64 lab: command lists may use <<< and the
# like), else busybox ash.
if [ -x /bin/bash ]; then
    /bin/bash /lab/cmd.sh
else
    sh /lab/cmd.sh
fi
lab_exit $?
