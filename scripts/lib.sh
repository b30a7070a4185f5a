# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the patch-queue scripts.  Expects $top (repository root).
build=${QL_BUILD:-$top/build}
tree=$build/qemu
patches=${QL_PATCHES:-$top/patches}
series=$patches/series
state=$tree/.git/qemu-large

# The patch files named in patches/series, in order.
series_list() {
    [ -f "$series" ] || return 0
    { grep -vE '^[[:space:]]*(#|$)' "$series" || true; } | sed 's/[[:space:]]*$//'
}

# A hash of the series: its list and every listed file's contents.
series_id() {
    series_list | while read -r p; do
        echo "$p $(sha256sum <"$patches/$p")"
    done | sha256sum | cut -d' ' -f1
}
