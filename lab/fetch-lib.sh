# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154
#
# The .deb fetching shared by lab/fetch.sh (arm64 lab) and lab/x86/fetch.sh
# (x86 lab); sourced after lab/common.sh or lab/x86/common.sh.  Uses:
#   debs       where the .debs are kept
#   pin        the pin file (pin_entries reads it)
#   out        outputs; private apt configurations go to $out/apt
#   fetch_cmd  the script's name, for messages (lab/fetch.sh, ...)
#   all_arch   the configuration that fetches architecture "all" packages
# Defines apt_update, download, sha, fetch_all, pin_line, extract.

aptopts=(-o APT::Sandbox::User=root -q)

# apt_update SUITE ARCH: sets $conf to the private configuration, running
# apt-get update for it once per run (not in a subshell: call it directly).
declare -A updated=()
conf=
apt_update() {
    conf=$(apt_conf "$1" "$2")
    if [ -z "${updated[$1-$2]:-}" ]; then
        note "apt-get update ($1 $2, private configuration)"
        APT_CONFIG=$conf apt-get "${aptopts[@]}" update >"$out/apt/$1-$2.update.log" 2>&1 ||
            die "apt-get update for $1 $2 failed (see $out/apt/$1-$2.update.log)"
        updated[$1-$2]=1
    fi
}

# Architecture "all" packages come through the $all_arch configuration.
cfg_arch() { [ "$1" = all ] && echo "$all_arch" || echo "$1"; }

# download SUITE ARCH PACKAGE VERSION: sets $got_file to the downloaded path
got_file=
download() {
    local suite=$1 arch=$2 pkg=$3 ver=$4 tmp f
    apt_update "$suite" "$(cfg_arch "$arch")"
    tmp=$(mktemp -d "$debs/.dl.XXXXXX")
    if ! (cd "$tmp" && APT_CONFIG=$conf apt-get "${aptopts[@]}" download "$pkg=$ver") >"$tmp.log" 2>&1; then
        rm -rf "$tmp"
        die "cannot download $pkg=$ver ($suite $arch): $(grep -m1 -E '^E:' "$tmp.log" || tail -1 "$tmp.log"); if the archive dropped it, run $fetch_cmd --update-pin"
    fi
    rm -f "$tmp.log"
    f=$(ls "$tmp"/*.deb)
    mv "$f" "$debs/"
    rmdir "$tmp"
    got_file=$debs/$(basename "$f")
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Download what the cache lacks and check every pinned .deb's SHA-256.
fetch_all() {
    local role suite arch pkg ver sum file got n=0 hit=0
    mkdir -p "$debs" "$out/apt"
    while read -r role suite arch pkg ver sum file; do
        n=$((n + 1))
        if [ -f "$debs/$file" ]; then
            hit=$((hit + 1))
        else
            download "$suite" "$arch" "$pkg" "$ver"
            [ -f "$debs/$file" ] || die "$pkg=$ver downloaded under another name than $file"
        fi
        got=$(sha "$debs/$file")
        if [ "$got" != "$sum" ]; then
            mv -f "$debs/$file" "$debs/$file.bad"
            die "$file: SHA-256 $got does not match the pin's $sum (moved aside to $debs/$file.bad)"
        fi
    done < <(pin_entries)
    [ $n -gt 0 ] || die "$pin has no entries ($fetch_cmd --update-pin)"
    note "$n pinned .debs verified in $debs ($hit were cached)"
}

# pin_line ROLE SUITE ARCH PACKAGE: the candidate version of PACKAGE, from
# the cache or downloaded, as a pin line on stdout.
pin_line() {
    local role=$1 suite=$2 arch=$3 pkg=$4 ver f x
    apt_update "$suite" "$(cfg_arch "$arch")"
    # awk reads to the end: an early exit would be apt-cache's SIGPIPE,
    # which pipefail turns into a silent death of the assignment.
    ver=$(APT_CONFIG=$conf apt-cache show --no-all-versions "$pkg" 2>/dev/null |
          awk '$1 == "Version:" && v == "" { v = $2 } END { print v }')
    [ -n "$ver" ] || die "$pkg not found in $suite $arch"
    f=
    for x in "$debs/${pkg}_"*"_$arch.deb"; do
        [ -f "$x" ] && [ "$(dpkg-deb -f "$x" Package)" = "$pkg" ] &&
            [ "$(dpkg-deb -f "$x" Version)" = "$ver" ] && { f=$x; break; }
    done
    if [ -z "$f" ]; then download "$suite" "$arch" "$pkg" "$ver"; f=$got_file; fi
    echo "$role $suite $arch $pkg $ver $(sha "$f") $(basename "$f")"
    note "pinned $pkg $ver ($suite $arch)"
}

# extract ROLE DIR: dpkg -x the ROLE's pinned .debs into DIR.
extract() {
    local role=$1 dir=$2 file n=0
    fetch_all
    mkdir -p "$dir"
    while read -r _ _ _ _ _ _ file; do
        dpkg -x "$debs/$file" "$dir"
        n=$((n + 1))
    done < <(pin_entries "$role")
    [ $n -gt 0 ] || die "no '$role' packages in $pin"
    note "extracted $n '$role' packages into $dir"
}
