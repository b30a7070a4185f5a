#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A private libvirt session (qemu:///session) whose every file lives under
# one directory: no system daemon, no systemd, nothing in /etc or /run.
#
# usage: libvirt/session.sh DIR virsh-arguments...   run virsh against it
#        libvirt/session.sh DIR --stop                stop its daemon
#        libvirt/session.sh DIR --env                 print the environment
#
# The first virsh call starts the daemon (libvirtd --timeout=120, as virsh
# does for any session URI); it exits by itself two minutes after its last
# client and domain, or at --stop.  Its configuration, domain definitions,
# capability cache and QEMU logs are under DIR:
#   DIR/config/libvirt/qemu/*.xml       defined domains
#   DIR/cache/libvirt/qemu/log/NAME.log the QEMU command line and stderr
#   DIR/run/libvirt/                    sockets, pid file
#
# libvirt treats root's qemu:///session as the system daemon, so when run
# as root this drops to an unprivileged user, QL_LIBVIRT_USER (default
# nobody), and hands DIR to it.  Whatever the domain reads (the emulator,
# <kernel>) must then be readable by that user; files it writes (serial
# logs) must go under DIR.  /dev/kvm must be accessible to it for
# type='kvm'.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '4,25p' "$0" >&2; exit 2; }
dir=$1
shift
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir"/{run,config,cache,data,home}
chmod 700 "$dir/run"
export HOME=$dir/home XDG_RUNTIME_DIR=$dir/run XDG_CONFIG_HOME=$dir/config \
    XDG_CACHE_HOME=$dir/cache XDG_DATA_HOME=$dir/data
unset LIBVIRT_DEFAULT_URI

drop=()
if [ "$(id -u)" = 0 ]; then
    user=${QL_LIBVIRT_USER:-nobody}
    uid=$(id -u "$user") || { echo "session.sh: no user $user (QL_LIBVIRT_USER)" >&2; exit 1; }
    gid=$(id -g "$user")
    [ "$(stat -c %u "$dir")" = "$uid" ] || chown -R "$uid:$gid" "$dir"
    drop=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --)
    "${drop[@]}" test -w "$dir/run" || {
        echo "session.sh: user $user cannot reach $dir (a parent directory is not searchable by others); use a directory it can reach" >&2
        exit 1
    }
fi

case $1 in
--env)
    echo "HOME=$HOME XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_CACHE_HOME=$XDG_CACHE_HOME XDG_DATA_HOME=$XDG_DATA_HOME ${drop[*]}"
    ;;
--stop)
    for p in "$dir"/run/libvirt/libvirtd.pid "$dir"/run/libvirt/virtqemud.pid \
             "$dir"/run/libvirt/virtlogd.pid; do
        [ -f "$p" ] || continue
        pid=$(cat "$p")
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    ;;
*)
    exec "${drop[@]}" virsh -q -c qemu:///session "$@"
    ;;
esac
