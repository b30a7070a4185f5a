#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Create a private apt configuration (own sources, lists, cache and dpkg
# status) whose archive URIs are copied at run time from this machine's own
# Debian sources, so no mirror host name is ever written in the repository.
#
# usage: apt-private.sh DIR SUITE ARCH [TYPES]
#   DIR    directory to hold the configuration (created)
#   SUITE  e.g. trixie
#   ARCH   e.g. amd64 or arm64
#   TYPES  "deb", "deb-src" or "deb deb-src" (default: "deb deb-src")
# Prints the path of the apt.conf to pass as APT_CONFIG.
set -euo pipefail
dir=$1 suite=$2 arch=$3 types=${4:-deb deb-src}
here=$(cd "$(dirname "$0")" && pwd)
uri=$("$here/debian-uri.sh")
mkdir -p "$dir"/{lists/partial,cache/archives/partial,etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,state}
: >"$dir/state/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$dir/etc/sources.list.d/private.sources" <<SRC
Types: $types
URIs: $uri
Suites: $suite
Components: main
Signed-By: $keyring
SRC
: >"$dir/etc/sources.list"
cat >"$dir/apt.conf" <<CONF
Dir::Etc "$dir/etc";
Dir::Etc::sourcelist "$dir/etc/sources.list";
Dir::Etc::sourceparts "$dir/etc/sources.list.d";
Dir::Etc::preferencesparts "$dir/etc/preferences.d";
Dir::State "$dir/state";
Dir::State::lists "$dir/lists";
Dir::State::status "$dir/state/status";
Dir::Cache "$dir/cache";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Get::AllowUnauthenticated "false";
Acquire::Languages "none";
// A suite's Release file may be past its Valid-Until (seen for sid here):
// what is fetched is pinned by SHA-256 (base.pin, lab/*.pin), and apt still
// checks the archive's signatures.
Acquire::Check-Valid-Until "false";
CONF
# Keep the machine's own proxy settings (its apt.conf.d is not read).
apt-config dump 2>/dev/null | grep -E '^Acquire::(http|https|ftp)::Proxy' >>"$dir/apt.conf" || true
echo "$dir/apt.conf"
