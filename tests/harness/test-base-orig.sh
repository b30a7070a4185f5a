#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-base.sh with "unpack orig": the pinned .orig.tar.xz unpacked alone,
# plus the "build-patch" files taken from the pinned debian.tar.xz; a build
# patch that is missing or does not apply, and a tarball of another version,
# each stop it with one line, nothing unpacked.  Stand-in tarballs in the
# download cache (no network).
. "$(dirname "$0")/lib.sh"
dl=$tmp/cache/downloads
mkdir -p "$dl" "$tmp/mk/qemu-9.9.9/pc-bios" "$tmp/mk/debian/patches"
echo 9.9.9 >"$tmp/mk/qemu-9.9.9/VERSION"
printf 'blobs = [\n  edk2\n]\n' >"$tmp/mk/qemu-9.9.9/pc-bios/meson.build"
cat >"$tmp/mk/debian/patches/skip-blobs.patch" <<'P'
--- a/pc-bios/meson.build
+++ b/pc-bios/meson.build
@@ -1,3 +1,3 @@
 blobs = [
-  edk2
+  # edk2 skipped
 ]
P
printf -- '--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-1.0.0\n+1.0.1\n' >"$tmp/mk/debian/patches/wrong.patch"
printf -- '--- a/other\n+++ b/other\n@@ -1 +1 @@\n-a\n+b\n' >"$tmp/mk/debian/patches/all-of-debian.patch"
tar -cJf "$dl/qemu_9.9.9+ds.orig.tar.xz" -C "$tmp/mk" qemu-9.9.9
tar -cJf "$dl/qemu_9.9.9+ds-1.debian.tar.xz" -C "$tmp/mk" debian
echo "stand-in" >"$dl/qemu_9.9.9+ds-1.dsc"
pin() {
    {
        printf 'package qemu\nversion 1:9.9.9+ds-1\nsuite sid\nupstream-version %s\nunpack orig\n' "${1:-9.9.9}"
        shift || true
        for bp in "$@"; do echo "build-patch $bp"; done
        for f in "$dl"/*; do echo "sha256 $(sha256sum "$f" | cut -d' ' -f1) $(basename "$f")"; done
    } >"$tmp/base.pin"
}
fb() { QL_PIN=$tmp/base.pin QL_CACHE=$tmp/cache "$top/scripts/fetch-base.sh" "$tmp/src"; }

pin 9.9.9 skip-blobs.patch
fb >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "unpack orig with a build patch"; }
[ "$(cat "$tmp/src/VERSION")" = 9.9.9 ] || fail "VERSION"
grep -q '# edk2 skipped' "$tmp/src/pc-bios/meson.build" || fail "the build patch was not applied"
[ ! -e "$tmp/src/debian" ] && [ ! -e "$tmp/src/other" ] || fail "more than the orig tree and the build patch"
grep -q 'unpacked with 1 build patches' "$tmp/out" || fail "output: $(cat "$tmp/out")"
ok "orig tree plus the named build patch, nothing else of Debian's"

rm -rf "$tmp/src"
pin 9.9.9 no-such.patch
expect_fail "$tmp/out" fb
[ "$(grep -c '^fetch-base: error:' "$tmp/out")" = 1 ] && grep -q 'build-patch no-such.patch is not in qemu_9.9.9+ds-1.debian.tar.xz' "$tmp/out" ||
    { cat "$tmp/out"; fail "missing build patch"; }
[ ! -e "$tmp/src" ] || fail "unpacked despite the error"
pin 9.9.9 wrong.patch
expect_fail "$tmp/out" fb
grep -q '^fetch-base: error: build-patch wrong.patch does not apply to qemu_9.9.9+ds.orig.tar.xz' "$tmp/out" ||
    { cat "$tmp/out"; fail "a build patch that does not apply"; }
[ ! -e "$tmp/src" ] || fail "unpacked despite the error"
pin 9.9.8
expect_fail "$tmp/out" fb
grep -q "^fetch-base: error: qemu_9.9.9+ds.orig.tar.xz is QEMU '9.9.9', base.pin says 9.9.8" "$tmp/out" ||
    { cat "$tmp/out"; fail "version mismatch"; }
ok "a missing or failing build patch, or another version: one line each, nothing unpacked"

# prepare-tree's way: QL_BUILD_PATCHES_TO leaves the tree bare (the orig
# tarball as it is) and the build patches, in order, for the caller.
rm -rf "$tmp/src" "$tmp/bp"
pin 9.9.9 skip-blobs.patch
QL_BUILD_PATCHES_TO=$tmp/bp fb >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "unpack orig, build patches left out"; }
! grep -q '# edk2 skipped' "$tmp/src/pc-bios/meson.build" || fail "the build patch was applied"
[ "$(ls "$tmp/bp")" = 01-skip-blobs.patch ] || fail "build patches left: $(ls "$tmp/bp")"
patch -d "$tmp/src" -p1 -s <"$tmp/bp/01-skip-blobs.patch" && grep -q '# edk2 skipped' "$tmp/src/pc-bios/meson.build" ||
    fail "the left build patch does not apply to the bare tree"
ok "QL_BUILD_PATCHES_TO: the bare orig tree, the build patches left in order"
