#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download and verify the arm64 .debs of real libvirt for the nested arm64
# KVM lab (lab/libvirt/packages.pin): Debian's libvirt 11.3 from
# bookworm-backports and the bookworm arm64 libraries it needs that the
# lab's initramfs does not already have.
#
# usage: lab/libvirt/fetch.sh                  fetch what the cache lacks, verify all
#        lab/libvirt/fetch.sh --update-pin     resolve current versions, rewrite the pin
#        lab/libvirt/fetch.sh --extract DIR    fetch, then dpkg -x every pinned .deb in DIR
#        lab/libvirt/fetch.sh --list           print the cached paths of the pinned .debs
#
# The pin has the lab pin's format ("ROLE SUITE ARCH PACKAGE VERSION SHA256
# FILE", role "libvirt"), so the downloads and checks are lab/fetch-lib.sh's,
# through private apt configurations (scripts/apt-private.sh, archive URI
# from this machine's own sources), cached in
# ${QL_CACHE:-$HOME/.cache/qemu-large}/lab/debs next to the lab's .debs.
#
# --update-pin resolves the libvirt packages (lab/libvirt/common.sh) with
# apt-get -s install PKG/bookworm-backports against one private
# configuration holding both suites ("bookworm bookworm-backports": the
# backports need bookworm's libraries), then keeps, besides libvirt's own
# packages, only those library packages that provide a DT_NEEDED library
# of what lab/libvirt/pack.sh packs (followed recursively) and that the
# lab's initramfs lacks.  It therefore needs build/lab/initramfs.cpio.gz.
set -euo pipefail
# shellcheck source=lab/common.sh
. "$(dirname "$0")/../common.sh"
pin=$lab/libvirt/packages.pin
fetch_cmd=lab/libvirt/fetch.sh
all_arch=arm64
# shellcheck source=lab/fetch-lib.sh
. "$lab/fetch-lib.sh"
# shellcheck source=lab/libvirt/common.sh
. "$lab/libvirt/common.sh"
debs=$cache/debs

# cached_or_download SUITE PKG VERSION: sets $got_file to the .deb
cached_or_download() {
    local suite=$1 pkg=$2 ver=$3 x
    for x in "$debs/${pkg}_"*"_arm64.deb" "$debs/${pkg}_"*"_all.deb"; do
        if [ -f "$x" ] && [ "$(dpkg-deb -f "$x" Package)" = "$pkg" ] &&
           [ "$(dpkg-deb -f "$x" Version)" = "$ver" ]; then
            got_file=$x
            return 0
        fi
    done
    download "$suite" arm64 "$pkg" "$ver"
}

update_pin() {
    local rconf sim pkg ver suite f so p e tmp new
    local -A ver_of=() suite_of=() file_of=() lib_pkg=() lib_path=() lab_has=() keep=() seen=()
    mkdir -p "$debs" "$out/apt"
    tmp=$(mktemp -d "$out/libvirt-pin.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    rconf=$("$top/scripts/apt-private.sh" "$out/apt/libvirt-resolve-arm64" "bookworm $lv_suite" arm64 deb)
    note "apt-get update (bookworm + $lv_suite arm64, private configuration)"
    APT_CONFIG=$rconf apt-get "${aptopts[@]}" update >"$out/apt/libvirt-resolve.update.log" 2>&1 ||
        die "apt-get update failed (see $out/apt/libvirt-resolve.update.log)"
    # shellcheck disable=SC2046
    sim=$(APT_CONFIG=$rconf apt-get "${aptopts[@]}" -s --no-install-recommends install \
              $(for p in $lv_roots; do echo "$p/$lv_suite"; done) 2>&1) ||
        die "apt cannot resolve the libvirt packages: $(grep -m1 '^E:' <<<"$sim")"
    # "Inst NAME (VERSION ARCHIVE-LABEL [ARCH])": backports say "Backports".
    while read -r pkg ver suite; do
        ver_of[$pkg]=$ver
        suite_of[$pkg]=$suite
    done < <(awk -v bpo="$lv_suite" '$1 == "Inst" && /\[(arm64|all)\]/ {
                 v = $3; sub(/^\(/, "", v)
                 print $2, v, (/Backports/ ? bpo : "bookworm") }' <<<"$sim")
    for pkg in $lv_roots; do
        [ "${suite_of[$pkg]:-}" = "$lv_suite" ] || die "$pkg is not resolved from $lv_suite"
    done
    # Download and unpack the roots and every library package of the closure.
    for pkg in "${!ver_of[@]}"; do
        case " $lv_roots " in
            *" $pkg "*) ;;
            *) [[ $pkg =~ ^(lib|zlib1g) ]] || continue ;;
        esac
        cached_or_download "${suite_of[$pkg]}" "$pkg" "${ver_of[$pkg]}"
        file_of[$pkg]=$got_file
        mkdir -p "$tmp/pkg/$pkg" "$tmp/all"
        dpkg -x "$got_file" "$tmp/pkg/$pkg"
        dpkg -x "$got_file" "$tmp/all"
        for f in "$tmp/pkg/$pkg"/{lib,usr/lib}/aarch64-linux-gnu/*.so*; do
            [ -e "$f" ] || continue
            lib_pkg[$(basename "$f")]=$pkg
            lib_path[$(basename "$f")]=$f
        done
    done
    while read -r so; do lab_has[$so]=1; done < <(lv_lab_sonames)
    for pkg in $lv_roots; do keep[$pkg]=1; done
    # Follow DT_NEEDED from what pack.sh packs.
    local -a q=()
    for e in $lv_files; do
        # shellcheck disable=SC2086
        for f in $(cd "$tmp/all" && find $e -type f 2>/dev/null); do
            lv_is_elf "$tmp/all/$f" && q+=("$tmp/all/$f")
        done
    done
    [ ${#q[@]} -gt 0 ] || die "no ELF files among the packed paths"
    while [ ${#q[@]} -gt 0 ]; do
        f=${q[0]}; q=("${q[@]:1}")
        for so in $(lv_needed "$f"); do
            [ -n "${seen[$so]:-}" ] && continue
            seen[$so]=1
            [ -n "${lab_has[$so]:-}" ] && continue
            p=${lib_pkg[$so]:-}
            [ -n "$p" ] || die "$so (needed by $(basename "$f")) is in no package of the closure"
            keep[$p]=1
            q+=("$(readlink -f "${lib_path[$so]}")")
        done
    done
    new=$(mktemp)
    {
        echo "# SPDX-License-Identifier: GPL-2.0-or-later"
        echo "#"
        echo "# Real libvirt for the nested arm64 KVM lab, pinned by SHA-256: Debian's"
        echo "# libvirt 11.3 arm64 packages from $lv_suite (built for glibc 2.36, the"
        echo "# lab's) and the bookworm arm64 library packages that provide a library"
        echo "# they need which the lab's initramfs lacks."
        echo "# Written by lab/libvirt/fetch.sh --update-pin on $(date -u +%Y-%m-%d); read by"
        echo "# lab/libvirt/fetch.sh and lab/libvirt/pack.sh."
        echo "#"
        echo "# ROLE SUITE ARCH PACKAGE VERSION SHA256 FILE"
        for pkg in $(printf '%s\n' "${!keep[@]}" | sort); do
            echo "libvirt ${suite_of[$pkg]} arm64 $pkg ${ver_of[$pkg]} $(sha "${file_of[$pkg]}") $(basename "${file_of[$pkg]}")"
        done
    } >"$new"
    mv "$new" "$pin"
    chmod 644 "$pin"
    note "wrote $pin ($(pin_entries | wc -l) packages)"
}

need_tools apt-get dpkg-deb sha256sum aarch64-linux-gnu-readelf cpio gzip
case "${1:-}" in
    "") fetch_all ;;
    --update-pin) update_pin; fetch_all ;;
    --extract) [ $# = 2 ] || die "usage: lab/libvirt/fetch.sh --extract DIR"; extract libvirt "$2" ;;
    --list) fetch_all >/dev/null 2>&1 || fetch_all
            pin_entries libvirt | while read -r _ _ _ _ _ _ file; do echo "$debs/$file"; done ;;
    -h|--help) usage ;;
    *) die "unknown argument '$1' (see lab/libvirt/fetch.sh --help)" ;;
esac
