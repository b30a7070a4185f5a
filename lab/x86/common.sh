# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
#
# Shared by the nested x86 (SVM) lab scripts (sourced, not run), on top of
# lab/common.sh (die, note, need_tools, pin_entries, apt_conf, usage).  Sets:
#   lab     lab/ (from lab/common.sh)
#   xlab    this directory (lab/x86/)
#   top     the repository root
#   out     outputs, ${QL_BUILD:-$top/build}/lab-x86 (git-ignored)
#   cache   downloaded .debs, ${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}/lab-x86
#   pin     lab/x86/packages.pin
# shellcheck source=lab/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
xlab=$lab/x86
out=${QL_BUILD:-$top/build}/lab-x86
cache=${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}/lab-x86
pin=$xlab/packages.pin

die() { echo "lab-x86: error: $*" >&2; exit 1; }
note() { echo "lab-x86: $*" >&2; }

# The modules /init loads, in order: kvm-amd and what modules.dep says it
# needs (written by fetch.sh to $out/modules/order).
lab_modules_root=kvm-amd

# x86_pack_qemu QEMU ROOT: QEMU as ROOT/usr/bin/qemu-system-x86_64 and the
# libraries the host's ldd resolves for it in ROOT/lib/x86_64-linux-gnu
# (the loader in ROOT/lib64), stripped; sets packed_libs to their number.
packed_libs=0
x86_pack_qemu() {
    local qemu=$1 root=$2 so path
    mkdir -p "$root/usr/bin" "$root/lib/x86_64-linux-gnu" "$root/lib64"
    cp -L "$qemu" "$root/usr/bin/qemu-system-x86_64"
    strip "$root/usr/bin/qemu-system-x86_64"
    packed_libs=0
    while read -r so path; do
        case $so in
            linux-vdso.so.*) continue ;;
            */ld-linux-x86-64.so.2) cp -L "$so" "$root/lib64/ld-linux-x86-64.so.2"; continue ;;
        esac
        [ -f "$path" ] || die "library $so of $qemu not found ($path)"
        cp -L "$path" "$root/lib/x86_64-linux-gnu/$so"
        strip --strip-unneeded "$root/lib/x86_64-linux-gnu/$so"
        packed_libs=$((packed_libs + 1))
    done < <(ldd "$qemu" | awk '$2 == "=>" { print $1, $3; next } { print $1, "" }')
    [ -f "$root/lib64/ld-linux-x86-64.so.2" ] || die "no glibc loader in ldd $qemu"
}
