# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the patch-queue scripts.  Expects $top (repository root).
build=${QL_BUILD:-$top/build}
tree=$build/qemu
patches=${QL_PATCHES:-$top/patches}
series=$patches/series
state=$tree/.git/qemu-large

# The patch files named in patches/series, in order.  An entry is a file in
# patches/ or in one folder of it: a folder is a topic series (e.g.
# "arm-kvm/0001-....patch"), posted upstream on its own (make submit).
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

# topic_of ENTRY: the topic (folder) of a series entry; "" for a file at the
# top of patches/.
topic_of() {
    case $1 in */*) echo "${1%/*}" ;; *) echo "" ;; esac
}

# The topics of the series in order, once each (a top-level file: "").
series_topics() {
    series_list | while read -r p; do topic_of "$p"; done | awk '!seen[$0]++'
}

# topic_patches TOPIC: the series entries of TOPIC, in order.
topic_patches() {
    series_list | while read -r p; do
        [ "$(topic_of "$p")" = "$1" ] && echo "$p"
    done
    return 0
}
