#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download and verify the .debs of the nested x86 (SVM) lab
# (lab/x86/packages.pin), then extract the kernel and the KVM modules.
#
# usage: lab/x86/fetch.sh                    fetch what the cache lacks, verify,
#                                            extract the kernel (when changed)
#        lab/x86/fetch.sh --update-pin       resolve current versions, rewrite the pin
#        lab/x86/fetch.sh --extract ROLE DIR fetch, then dpkg -x the ROLE's debs in DIR
#        lab/x86/fetch.sh --list [ROLE]      print the cached paths of the ROLE's debs
#
# The pin holds one line per .deb: "ROLE SUITE ARCH PACKAGE VERSION SHA256 FILE",
# as lab/packages.pin.  Roles: kernel (trixie's amd64 unsigned 6.12 image:
# vmlinuz and the modules), initrd (busybox-static, amd64).  Downloads go
# through a private apt configuration (scripts/apt-private.sh, URI from the
# machine's own sources) and are kept in
# ${QL_CACHE:-$HOME/.cache/qemu-large}/lab-x86/debs.  A file whose SHA-256
# differs from the pin is an error.
#
# Extraction (build/lab-x86/): vmlinuz, kernel.config, modules/*.ko
# (decompressed from .ko.xz) for kvm-amd and every module it depends on
# (the depends= fields of .modinfo; the .deb has no modules.dep), and
# modules/order, the load order (dependencies first).  Skipped when the
# pinned kernel did not change.
set -euo pipefail
# shellcheck source=lab/x86/common.sh
. "$(dirname "$0")/common.sh"
fetch_cmd=lab/x86/fetch.sh
all_arch=amd64
# shellcheck source=lab/fetch-lib.sh
. "$lab/fetch-lib.sh"

debs=$cache/debs
kernel_re='^linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned$'
initrd_pkgs="busybox-static"
suite=trixie
arch=amd64

update_pin() {
    local kernel pkg new e role
    mkdir -p "$debs" "$out/apt"
    apt_update "$suite" "$arch"
    kernel=${QL_LAB_KERNEL:-$(APT_CONFIG=$conf apt-cache pkgnames linux-image-6.12 |
                              { grep -E "$kernel_re" || true; } | sort -V | tail -1)}
    [ -n "$kernel" ] || die "no linux-image-6.12.*+deb13-amd64-unsigned in $suite"
    new=$(mktemp)
    {
        echo "# SPDX-License-Identifier: GPL-2.0-or-later"
        echo "#"
        echo "# Every .deb the nested x86 (SVM) lab downloads, pinned by SHA-256."
        echo "# Written by lab/x86/fetch.sh --update-pin on $(date -u +%Y-%m-%d); read by lab/x86/fetch.sh."
        echo "# kernel: the lab host's Linux (trixie amd64; kvm, kvm-amd, ccp, irqbypass are modules)."
        echo "# initrd: static tools copied into the initramfs."
        echo "#"
        echo "# ROLE SUITE ARCH PACKAGE VERSION SHA256 FILE"
    } >"$new"
    for e in "kernel:$kernel" $(for p in $initrd_pkgs; do echo "initrd:$p"; done); do
        role=${e%%:*} pkg=${e#*:}
        pin_line "$role" "$suite" "$arch" "$pkg" >>"$new"
    done
    mv "$new" "$pin"
    chmod 644 "$pin"
    note "wrote $pin ($(pin_entries | wc -l) packages)"
}

# The kernel and the modules kvm-amd needs, into $out (see the header).
# The .deb has no modules.dep (depmod makes it at installation): the
# dependencies are the "depends=" fields of the modules' .modinfo sections,
# followed recursively; modules are found through modules.order.
extract_kernel() {
    local kdeb want tmp mroot
    kdeb=$(pin_entries kernel | awk '{ print $7; exit }')
    [ -n "$kdeb" ] || die "no kernel in $pin"
    want=$(pin_entries kernel | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$out/vmlinuz.stamp" 2>/dev/null)" = "$want" ] && [ -f "$out/vmlinuz" ] &&
       [ -f "$out/modules/order" ]; then
        return 0
    fi
    need_tools xz objcopy
    tmp=$out/kernel.tmp
    rm -rf "$tmp" "$out/modules"
    mkdir -p "$tmp" "$out/modules"
    # The image, its config, modules.order and the directories kvm-amd's
    # dependencies are in (6.12); any other is unpacked in another pass.
    unpack() {
        dpkg-deb --fsys-tarfile "$debs/$kdeb" | tar -x -C "$tmp" --wildcards "$@" ||
            die "cannot unpack $* from $kdeb"
    }
    unpack './boot/*' '*/modules.order' '*/kernel/arch/x86/kvm/*' '*/kernel/virt/*' \
        '*/kernel/drivers/crypto/ccp/*'
    mroot=$(dirname "$(find "$tmp" -name modules.order -print -quit)")
    [ -f "$mroot/modules.order" ] || die "no modules.order in $kdeb"
    # modpath NAME: the module's path under $mroot (compressed), by name
    # (- and _ are the same in module names)
    modpath() {
        local p
        p=$(awk -v n="${1//-/_}" '{ b = $0; sub(/.*\//, "", b); sub(/\.ko$/, "", b); gsub(/-/, "_", b)
                                   if (b == n) { print; exit } }' "$mroot/modules.order")
        [ -n "$p" ] || die "module $1 is not in $kdeb's modules.order (built in?)"
        echo "$p.xz"
    }
    declare -A done_=()
    # visit NAME: its dependencies first (depth first), then itself
    visit() {
        local n=${1//-/_} p d ko
        [ -z "${done_[$n]:-}" ] || return 0
        done_[$n]=1
        p=$(modpath "$1")
        [ -f "$mroot/$p" ] || unpack "*/$p"
        ko=$out/modules/$(basename "${p%.xz}")
        xz -dc "$mroot/$p" >"$ko"
        for d in $(objcopy -O binary --only-section=.modinfo "$ko" /dev/stdout | tr '\0' '\n' |
                   sed -n 's/^depends=//p' | tr ',' ' '); do
            visit "$d"
        done
        basename "$ko" >>"$out/modules/order.tmp"
    }
    : >"$out/modules/order.tmp"
    visit "$lab_modules_root"
    mv "$out/modules/order.tmp" "$out/modules/order"
    cp "$tmp"/boot/config-* "$out/kernel.config"
    cp "$tmp"/boot/vmlinuz-* "$out/vmlinuz"
    rm -rf "$tmp"
    echo "$want" >"$out/vmlinuz.stamp"
    note "kernel: $out/vmlinuz ($kdeb); modules in load order: $(tr '\n' ' ' <"$out/modules/order")"
}

need_tools apt-get dpkg-deb sha256sum
mkdir -p "$out"
case "${1:-}" in
    "") fetch_all; extract_kernel ;;
    --update-pin) update_pin; fetch_all; extract_kernel ;;
    --extract) [ $# = 3 ] || die "usage: lab/x86/fetch.sh --extract ROLE DIR"; extract "$2" "$3" ;;
    --list) fetch_all >/dev/null 2>&1 || fetch_all
            pin_entries "${2:-}" | while read -r _ _ _ _ _ _ file; do echo "$debs/$file"; done ;;
    -h|--help) usage ;;
    *) die "unknown argument '$1' (see lab/x86/fetch.sh --help)" ;;
esac
