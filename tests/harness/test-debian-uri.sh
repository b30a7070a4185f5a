#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/debian-uri.sh picks the machine's Debian archive from its apt
# sources, not a third-party repository that also names a Debian suite, not
# the security archive and not a disabled stanza; one-line .list files work.
. "$(dirname "$0")/lib.sh"
uri() { QL_APT_ETC=$tmp/etc "$top/scripts/debian-uri.sh"; }
mkdir -p "$tmp/etc/sources.list.d"
d=$tmp/etc/sources.list.d

cat >"$d/a-thirdparty.sources" <<'SRC'
Types: deb
URIs: https://vendor.example/repo/
Suites: bookworm
Components: main
SRC
cat >"$d/b-off.sources" <<'SRC'
Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no
SRC
cat >"$d/debian.sources" <<'SRC'
Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

types: deb
uris: http://mirror.example/debian/
suites: bookworm bookworm-updates
components: main
signed-by: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
[ "$(uri)" = http://mirror.example/debian/ ] || fail "deb822: got '$(uri)'"
ok "deb822: the Debian archive, not the vendor, disabled or security one"

rm -f "$d"/*.sources
printf 'deb [arch=amd64] https://vendor.example/x stable main\ndeb http://list.example/debian bookworm main\n' >"$tmp/etc/sources.list"
[ "$(uri)" = http://list.example/debian ] || fail "one-line: got '$(uri)'"
ok "one-line sources.list"

rm -f "$tmp/etc/sources.list"
if out=$(uri 2>&1); then fail "no sources gave '$out'"; fi
grep -q 'set QL_DEBIAN_URI' <<<"$out" || fail "no clear error: $out"
ok "no sources: a clear error"
