# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
#
# Shared by the nested arm64 KVM lab scripts (sourced, not run).  Sets:
#   lab     this directory (lab/)
#   top     the repository root
#   out     outputs, ${QL_BUILD:-$top/build}/lab (git-ignored)
#   cache   downloaded .debs, ${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}/lab
#   pin     lab/packages.pin
lab=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$lab")
out=${QL_BUILD:-$top/build}/lab
cache=${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}/lab
pin=$lab/packages.pin

die() { echo "lab: error: $*" >&2; exit 1; }
note() { echo "lab: $*" >&2; }

need_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || die "'$t' not found (install it: make setup)"
    done
}

# Print the pin's entries "ROLE SUITE ARCH PACKAGE VERSION SHA256 FILE",
# optionally only those of one role.
pin_entries() {
    [ -f "$pin" ] || die "$pin missing (lab/fetch.sh --update-pin)"
    awk -v role="${1:-}" '!/^[[:space:]]*(#|$)/ && NF == 7 && (role == "" || $1 == role)' "$pin"
}

# Private apt configuration for SUITE ARCH under $out/apt; prints APT_CONFIG.
apt_conf() {
    "$top/scripts/apt-private.sh" "$out/apt/$1-$2" "$1" "$2" deb
}

# The bookworm arm64 sysroot ($out/sysroot): the pin's "sysroot" packages
# unpacked with dpkg -x (never installed), re-made when their pin lines
# change.  Absolute symbolic links inside are made relative so that they
# resolve within the sysroot.  Sets sysroot.
sysroot=$out/sysroot
ensure_sysroot() {
    local want l t
    want=$(pin_entries sysroot | sha256sum | cut -d' ' -f1)
    [ "$(cat "$sysroot/.lab-stamp" 2>/dev/null)" = "$want" ] && return 0
    note "unpacking the arm64 sysroot in $sysroot"
    rm -rf "$sysroot"
    "$lab/fetch.sh" --extract sysroot "$sysroot"
    find "$sysroot" -type l | while read -r l; do
        t=$(readlink "$l")
        case $t in
            /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$sysroot$t")" "$l" ;;
        esac
    done
    echo "$want" >"$sysroot/.lab-stamp"
}

# Library directories of the sysroot, for the linker and for packing.
sysroot_libdirs() {
    echo "$sysroot/lib/aarch64-linux-gnu $sysroot/usr/lib/aarch64-linux-gnu $sysroot/lib $sysroot/usr/lib"
}

# The script's header comment (after the SPDX line), for --help.
usage() {
    awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
}

# lab_pack_run RUN INITRAMFS SCRIPT CMD [FILE...]: $RUN/initrd is INITRAMFS
# with a cpio appended that holds /lab/cmd.sh (a copy of SCRIPT, or else
# CMD) and /lab/files/ (the FILEs by name, through symbolic links that
# cpio -L follows).  Used by lab/run.sh (both labs).
lab_pack_run() {
    local run=$1 initramfs=$2 script=$3 cmd=$4 f b
    local -A seen=()
    shift 4
    mkdir -p "$run/root/lab/files"
    if [ -n "$script" ]; then
        cp "$script" "$run/root/lab/cmd.sh"
    elif [ -n "$cmd" ]; then
        printf '%s\n' "$cmd" >"$run/root/lab/cmd.sh"
    fi
    for f in "$@"; do
        [ -f "$f" ] || die "--file $f: no such file"
        b=$(basename "$f")
        [ -z "${seen[$b]:-}" ] || die "--file $f: a file named $b is already given"
        seen[$b]=1
        ln -s "$(realpath "$f")" "$run/root/lab/files/$b"
    done
    cp "$initramfs" "$run/initrd"
    (cd "$run/root" && find lab | LC_ALL=C sort | cpio -o -L -H newc -R 0:0 --quiet) >>"$run/initrd" ||
        die "cannot write the run's cpio archive"
}

# lab_stamp MARKER: copy the console from stdin to stdout with the host-side
# elapsed time since $start (microseconds) in front of every line, append
# the plain line to $log, and set t_init to that time at the first line
# that contains MARKER.
# shellcheck disable=SC2154  # start, log: the caller's
lab_stamp() {
    local marker=$1 line now d
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        now=${EPOCHREALTIME/./}
        d=$((now - start))
        printf '[%4d.%02d] %s\n' $((d / 1000000)) $((d % 1000000 / 10000)) "$line"
        printf '%s\n' "$line" >>"$log"
        if [ -z "$t_init" ] && [[ $line == *"$marker"* ]]; then
            t_init=$(printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000)))
        fi
    done
}

# lab_cpio ROOT OUT [gzip]: the newc archive of ROOT in OUT (gzip-compressed
# with a third argument), with /dev/console, which must exist before
# devtmpfs is mounted (mknod, under fakeroot when not root), padded with
# zeros to 512 bytes so that run.sh can append a second cpio (the kernel
# skips zeros between archives).
lab_cpio() {
    local root=$1 img=$2 z=${3:-} size pad
    # shellcheck disable=SC2016  # expanded by the inner bash
    local body='mknod -m 600 "$1/dev/console" c 5 1 &&
        { cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet; } |
        if [ -n "$3" ]; then gzip -6; else cat; fi >"$2"'
    if [ "$(id -u)" = 0 ]; then
        bash -c "set -o pipefail; $body" _ "$root" "$img.tmp" "$z"
    else
        need_tools fakeroot
        fakeroot bash -c "set -o pipefail; $body" _ "$root" "$img.tmp" "$z"
    fi || die "cannot write $img"
    size=$(stat -c %s "$img.tmp")
    pad=$(( (512 - size % 512) % 512 ))
    head -c "$pad" /dev/zero >>"$img.tmp"
    mv "$img.tmp" "$img"
}
