#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetch, verify and unpack the pinned base (base.pin) into DEST.
#
# usage: fetch-base.sh DEST
#
# Default: the Debian source package named in base.pin, downloaded with
# "apt-get source --download-only" through a private apt configuration
# (scripts/apt-private.sh), cached in $QL_CACHE/downloads, checked against
# the pinned SHA-256 sums, then unpacked in one of two ways:
# - "unpack debian" (the default): "dpkg-source -x", upstream plus all of
#   Debian's own patches;
# - "unpack orig": only the .orig.tar.xz (upstream's tree minus the files
#   Debian's +ds repack removes), plus the Debian patches named by
#   "build-patch NAME" lines, taken from the pinned debian.tar.xz (build-only
#   changes such a tree needs to configure, e.g. skip-unpack-edk2-blobs).
#   What applies to this tree applies to upstream's release.
#   QL_BUILD_PATCHES_TO=DIR leaves them unapplied, copied to DIR as
#   NN-NAME in order, for the caller to apply.
#
# QEMU_BASE=/path/to/qemu-X.Y.Z.tar.xz or QEMU_BASE=/path/to/qemu-source-dir
# uses that upstream source instead (for machines that are not Debian); it is
# not checksummed against base.pin, and its VERSION must match upstream-version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
dest=$1
pin=${QL_PIN:-$top/base.pin}
cache=${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}
dl=$cache/downloads

die() { echo "fetch-base: error: $*" >&2; exit 1; }

pinval() { awk -v k="$1" '$1 == k { print $2; exit }' "$pin"; }
[ -f "$pin" ] || die "no pin file $pin"
pkg=$(pinval package) ver=$(pinval version) suite=$(pinval suite)
upver=$(pinval upstream-version)
[ -n "$pkg" ] && [ -n "$ver" ] && [ -n "$suite" ] || die "$pin lacks package/version/suite"

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
trap 'rm -rf "$dest.tmp"' EXIT

if [ -n "${QEMU_BASE:-}" ]; then
    if [ -d "$QEMU_BASE" ]; then
        cp -a "$QEMU_BASE"/. "$dest.tmp/"
    elif [ -f "$QEMU_BASE" ]; then
        tar -xf "$QEMU_BASE" -C "$dest.tmp" --strip-components=1 ||
            die "cannot unpack QEMU_BASE=$QEMU_BASE"
    else
        die "QEMU_BASE=$QEMU_BASE is neither a file nor a directory"
    fi
    got=$(cat "$dest.tmp/VERSION" 2>/dev/null || true)
    [ "$got" = "$upver" ] ||
        die "QEMU_BASE=$QEMU_BASE is QEMU '${got:-unknown}', the patches are for $upver"
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    echo "fetch-base: using QEMU_BASE=$QEMU_BASE (QEMU $got)"
    exit 0
fi

mkdir -p "$dl"
# Files and hashes pinned; check what the cache holds.
verify() {
    local bad=0 h f got
    while read -r h f; do
        if [ ! -f "$dl/$f" ]; then bad=1; continue; fi
        got=$(sha256sum "$dl/$f" | cut -d' ' -f1)
        if [ "$got" != "$h" ]; then
            [ "${1:-}" = report ] &&
                die "checksum mismatch for $f: base.pin says $h, the download is $got (fix base.pin or the mirror; nothing was unpacked)"
            bad=1
        fi
    done < <(awk '$1 == "sha256" { print $2, $3 }' "$pin")
    return $bad
}
[ -n "$(awk '$1 == "sha256"' "$pin")" ] || die "$pin pins no sha256 sums"

if ! verify; then
    echo "fetch-base: downloading $pkg $ver from Debian $suite"
    aptdir=$cache/apt-$suite-src
    conf=$("$here/apt-private.sh" "$aptdir" "$suite" "$(dpkg --print-architecture 2>/dev/null || echo amd64)" deb-src)
    APT_CONFIG=$conf apt-get -q update >"$aptdir/update.log" 2>&1 ||
        die "apt-get update for $suite failed (see $aptdir/update.log)"
    tmp=$(mktemp -d "$dl/get.XXXXXX")
    # apt-get source skips files already in its directory whose checksums
    # match the .dsc: offer it what the cache has.
    for f in "$dl"/*; do
        [ -f "$f" ] && ln "$f" "$tmp/" 2>/dev/null || true
    done
    if ! (cd "$tmp" && APT_CONFIG=$conf apt-get -q source --download-only "$pkg=$ver") \
            >"$aptdir/source.log" 2>&1; then
        rm -rf "$tmp"
        die "apt-get source $pkg=$ver failed: $(grep -E '^E:' "$aptdir/source.log" | head -1) (see $aptdir/source.log)"
    fi
    for f in "$tmp"/*; do
        [ "$f" -ef "$dl/${f##*/}" ] || mv -f "$f" "$dl/"
    done
    rm -rf "$tmp"
    verify report
fi

pinfile() { awk -v re="$1" '$1 == "sha256" && $3 ~ re { f = $3 } END { print f }' "$pin"; }
unpack=$(pinval unpack)
if [ "${unpack:-debian}" = orig ]; then
    orig=$(pinfile '\\.orig\\.tar\\.[a-z0-9]+$')
    [ -n "$orig" ] || die "$pin says 'unpack orig' but pins no .orig.tar.*"
    mkdir -p "$dest.tmp/src"
    tar -xf "$dl/$orig" -C "$dest.tmp/src" --strip-components=1 ||
        die "cannot unpack $orig"
    mapfile -t bps < <(awk '$1 == "build-patch" { print $2 }' "$pin")
    applied=()
    if [ ${#bps[@]} -gt 0 ]; then
        deb=$(pinfile '\\.debian\\.tar\\.[a-z0-9]+$')
        [ -n "$deb" ] || die "$pin names build patches but pins no .debian.tar.*"
        mkdir -p "$dest.tmp/debian"
        for bp in "${bps[@]}"; do
            tar -xf "$dl/$deb" -C "$dest.tmp/debian" "debian/patches/$bp" 2>/dev/null ||
                die "build-patch $bp is not in $deb"
            if [ -n "${QL_BUILD_PATCHES_TO:-}" ]; then
                # Left for the caller to apply in this order (prepare-tree.sh
                # commits the bare orig tree first, as tag "orig").
                mkdir -p "$QL_BUILD_PATCHES_TO"
                cp "$dest.tmp/debian/debian/patches/$bp" \
                    "$QL_BUILD_PATCHES_TO/$(printf '%02d' $((${#applied[@]} + 1)))-$bp"
            else
                patch -d "$dest.tmp/src" -p1 -s -N --no-backup-if-mismatch \
                    <"$dest.tmp/debian/debian/patches/$bp" >"$dest.tmp/err" 2>&1 ||
                    die "build-patch $bp does not apply to $orig: $(head -1 "$dest.tmp/err")"
            fi
            applied+=("$bp")
        done
    fi
    got=$(cat "$dest.tmp/src/VERSION" 2>/dev/null || true)
    [ "$got" = "$upver" ] || die "$orig is QEMU '${got:-unknown}', base.pin says $upver"
    rm -rf "$dest"
    mv "$dest.tmp/src" "$dest"
    echo "fetch-base: $pkg $ver verified, $orig unpacked${bps:+ with ${#bps[@]} build patches${QL_BUILD_PATCHES_TO:+ (left in $QL_BUILD_PATCHES_TO)}}"
    exit 0
fi
[ "${unpack:-debian}" = debian ] || die "$pin: unknown 'unpack $unpack' (orig or debian)"
dsc=$(pinfile '\\.dsc$')
[ -n "$dsc" ] || die "$pin pins no .dsc"
# dpkg-source checks the tarballs against the .dsc and applies Debian's
# own quilt series.
(cd "$dest.tmp" && dpkg-source --no-copy -x "$dl/$dsc" src) >/dev/null 2>"$dest.tmp/err" ||
    die "dpkg-source -x $dsc failed: $(grep -v 'warning' "$dest.tmp/err" | head -1)"
rm -rf "$dest.tmp/src/.pc"
rm -rf "$dest"
mv "$dest.tmp/src" "$dest"
echo "fetch-base: $pkg $ver verified and unpacked"
