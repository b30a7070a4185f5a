#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Print the URI of the main Debian archive this machine already uses, read
# from /etc/apt/sources.list and /etc/apt/sources.list.d/ (deb822 .sources
# and one-line .list).  The security archive is skipped.  Override with
# QL_DEBIAN_URI.
set -euo pipefail
if [ -n "${QL_DEBIAN_URI:-}" ]; then echo "$QL_DEBIAN_URI"; exit 0; fi
files=()
etc=${QL_APT_ETC:-/etc/apt}
for f in "$etc"/sources.list "$etc"/sources.list.d/*.sources "$etc"/sources.list.d/*.list; do
    [ -f "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { echo "error: no apt sources in /etc/apt; set QL_DEBIAN_URI" >&2; exit 1; }
# A candidate names a Debian suite and is not the security archive; one
# signed with Debian's archive keyring or whose path ends in /debian is
# preferred over any other (third-party repositories also say "stable").
uri=$(awk '
    function consider(u, s, k) {
        if (u == "" || u ~ /security/ || s !~ /(^| )(bookworm|trixie|forky|sid|unstable|stable|testing)( |$)/)
            return
        if (strong == "" && (k ~ /debian-archive-keyring/ || u ~ /\/debian\/?$/)) strong = u
        if (weak == "") weak = u
    }
    function flush() {
        if (enabled) consider(u, s, k)
        u = ""; s = ""; k = ""; enabled = 1
    }
    BEGIN { enabled = 1 }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
        if ($0 ~ /^[[:space:]]*$/) { flush(); next }
        f = tolower($1)
        if (f == "uris:") { u = $2 }
        if (f == "suites:") { $1 = ""; s = $0; sub(/^ /, "", s) }
        if (f == "signed-by:") { k = $2 }
        if (f == "enabled:" && tolower($2) == "no") { enabled = 0 }
        next
    }
    $1 == "deb" {
        i = 2; opts = ""
        if ($i ~ /^\[/) { while ($i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
        consider($i, $(i + 1), opts)
    }
    END { flush(); print (strong != "" ? strong : weak) }
' "${files[@]}")
if [ -z "$uri" ]; then
    echo "error: no Debian archive found in /etc/apt sources; set QL_DEBIAN_URI" >&2
    exit 1
fi
echo "$uri"
