#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A wrong SHA-256 in base.pin stops fetch-base.sh with one line that names
# the file, and nothing is unpacked.  Downloads through the real private apt
# configuration (network to the machine's Debian archive).
. "$(dirname "$0")/lib.sh"

# Corrupt the pinned hash of the debian.tar.xz (the smallest file, so the
# fresh download this forces is small).
awk '$1 == "sha256" && $3 ~ /debian\.tar\.xz$/ {
        $2 = substr($2, 1, 63) (substr($2, 64, 1) == "0" ? "1" : "0") }
     { print }' "$top/base.pin" >"$tmp/base.pin"
cmp -s "$top/base.pin" "$tmp/base.pin" && fail "the test did not change the pin"
mkdir -p "$tmp/cache/downloads"
# Reuse the cached tarballs (when there) so only the small file is fetched.
real=${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}/downloads
cp "$real"/*.orig.tar.xz "$real"/*.dsc "$tmp/cache/downloads/" 2>/dev/null || true
expect_fail "$tmp/out" env QL_PIN="$tmp/base.pin" QL_CACHE="$tmp/cache" \
    "$top/scripts/fetch-base.sh" "$tmp/src"
cat "$tmp/out"
errs=$(grep -c '^fetch-base: error:' "$tmp/out" || true)
[ "$errs" = 1 ] || fail "expected exactly one error line, got $errs"
grep -q '^fetch-base: error: checksum mismatch for qemu_.*\.debian\.tar\.xz: base\.pin says' "$tmp/out" ||
    fail "the error does not name the file and the pin"
[ ! -e "$tmp/src" ] || fail "something was unpacked despite the mismatch"
ok "corrupted pin refused with one line"

# A version the archive does not have: one clear line too.
sed 's/^version .*/version 1:0.0.0-0/' "$top/base.pin" >"$tmp/base2.pin"
rm -rf "$tmp/cache2"
expect_fail "$tmp/out2" env QL_PIN="$tmp/base2.pin" QL_CACHE="$tmp/cache2" \
    "$top/scripts/fetch-base.sh" "$tmp/src"
cat "$tmp/out2"
grep -q '^fetch-base: error: apt-get source qemu=1:0.0.0-0 failed' "$tmp/out2" ||
    fail "unknown version not reported clearly"
ok "unknown version refused with one line"
