#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A private libvirt session (qemu:///session) whose every file lives under
# one directory: no system daemon, no systemd, nothing in /etc or /run.
#
# usage: libvirt/session.sh DIR virsh-arguments...   run virsh against it
#        libvirt/session.sh DIR --stop                destroy its domains,
#                                                     stop its daemons
#        libvirt/session.sh DIR --env                 print the environment
#
# The first virsh call starts the daemon (libvirtd --timeout=120, as virsh
# does for any session URI); it exits by itself two minutes after its last
# client and domain, or at --stop.  Its configuration, domain definitions,
# capability cache and QEMU logs are under DIR:
#   DIR/config/libvirt/qemu/*.xml       defined domains
#   DIR/cache/libvirt/qemu/log/NAME.log the QEMU command line and stderr
#   DIR/run/libvirt/                    sockets, pid files
# DIR must be new, empty, or made by this script (it holds a marker file).
# Keep it short: libvirt puts QEMU's monitor sockets at
# DIR/config/libvirt/qemu/lib/domain-N-NAME/monitor.sock, and a socket path
# has at most 107 bytes; longer DIRs are refused here.
#
# libvirt treats root's qemu:///session as the system daemon, so when run
# as root this drops to an unprivileged user, QL_LIBVIRT_USER (default
# nobody), and hands DIR to it.  Whatever the domain reads (the emulator,
# <kernel>) must then be readable by that user; files it writes (serial
# logs) must go under DIR.  For type='kvm' it must be able to open
# /dev/kvm (on Debian: root:kvm 0660, and supplementary groups are
# cleared, so that needs a user whose primary group is kvm).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '4,29p' "$0" >&2; exit 2; }
dir=$1
shift
marker=.ql-libvirt-session
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ ! -e "$dir/$marker" ]; then
    [ -z "$(ls -A "$dir")" ] || {
        echo "session.sh: $dir is not empty and was not made by session.sh; use a new directory" >&2
        exit 1
    }
    : >"$dir/$marker"
fi
# the longest socket path: DIR/config/libvirt/qemu/lib/ (25), domain-NNN-
# (11), up to 20 characters of the domain's name, /monitor.sock (13)
[ $((${#dir} + 70)) -le 107 ] || {
    echo "session.sh: $dir is too long (${#dir} characters): libvirt's monitor socket paths under it would exceed 107 bytes; use a directory of at most 37 characters" >&2
    exit 1
}
mkdir -p "$dir"/{run,config,cache,data,home}
chmod 700 "$dir/run"
export HOME=$dir/home XDG_RUNTIME_DIR=$dir/run XDG_CONFIG_HOME=$dir/config \
    XDG_CACHE_HOME=$dir/cache XDG_DATA_HOME=$dir/data
unset LIBVIRT_DEFAULT_URI

drop=()
uid=$(id -u)
if [ "$uid" = 0 ]; then
    user=${QL_LIBVIRT_USER:-nobody}
    uid=$(id -u "$user") || { echo "session.sh: no user $user (QL_LIBVIRT_USER)" >&2; exit 1; }
    gid=$(id -g "$user")
    # Only DIR's own tree, which the marker says session.sh made
    chown "$uid:$gid" "$dir" "$dir/$marker" "$dir"/{run,config,cache,data,home}
    drop=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --)
    "${drop[@]}" test -w "$dir/run" || {
        echo "session.sh: user $user cannot reach $dir (a parent directory is not searchable by others); use a directory it can reach" >&2
        exit 1
    }
fi

# ours PID NAME: PID is a live NAME process of the session's user
ours() {
    [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
        [ "$(stat -c %u "/proc/$1" 2>/dev/null)" = "$uid" ]
}

case $1 in
--env)
    echo "HOME=$HOME XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_CACHE_HOME=$XDG_CACHE_HOME XDG_DATA_HOME=$XDG_DATA_HOME ${drop[*]}"
    ;;
--stop)
    if [ -S "$dir/run/libvirt/libvirt-sock" ]; then
        for d in $(timeout 60 "${drop[@]}" virsh -q -c qemu:///session list --name 2>/dev/null); do
            timeout 60 "${drop[@]}" virsh -q -c qemu:///session destroy "$d" >/dev/null 2>&1 || true
        done
    fi
    for p in libvirtd virtqemud virtlogd; do
        f=$dir/run/libvirt/$p.pid
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        ours "$pid" "$p" || continue
        # as the session's user: it can signal nothing else
        "${drop[@]}" kill "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do ours "$pid" "$p" || break; sleep 0.1; done
        ! ours "$pid" "$p" || "${drop[@]}" kill -9 "$pid" 2>/dev/null || true
    done
    ;;
*)
    exec "${drop[@]}" virsh -q -c qemu:///session "$@"
    ;;
esac
