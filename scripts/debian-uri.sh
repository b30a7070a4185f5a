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
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && files+=("$f")
done
uri=$(awk '
    # deb822 stanzas: remember URIs and Suites, decide at the blank line
    function flush() {
        if (u != "" && s ~ /(^| )(bookworm|trixie|sid|unstable|stable|testing)( |$)/ &&
            u !~ /security/) { print u; found = 1; exit }
        u = ""; s = ""
    }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
        if ($0 ~ /^[[:space:]]*$/) { flush(); next }
        if ($1 == "URIs:") { u = $2 }
        if ($1 == "Suites:") { $1 = ""; s = $0; sub(/^ /, "", s) }
        next
    }
    FILENAME !~ /\.sources$/ && $1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($i !~ /security/ && $(i + 1) !~ /security/) { print $i; found = 1; exit }
    }
    END { if (!found) flush() }
' "${files[@]}")
if [ -z "$uri" ]; then
    echo "error: no Debian archive found in /etc/apt sources; set QL_DEBIAN_URI" >&2
    exit 1
fi
echo "$uri"
