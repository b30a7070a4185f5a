# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
#
# Shared by the nested x86 (SVM) lab scripts (sourced, not run), on top of
# lab/common.sh (die, note, need_tools, pin_entries, apt_conf, usage).  Sets:
#   lab     lab/ (from lab/common.sh)
#   xlab    this directory (lab/x86/)
#   top     the repository root
#   out     outputs, ${QL_BUILD:-$top/build}/lab-x86 (git-ignored)
#   cache   downloaded .debs, ${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}/lab-x86
#   pin     lab/x86/packages.pin
# shellcheck source=lab/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
xlab=$lab/x86
out=${QL_BUILD:-$top/build}/lab-x86
cache=${QL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-large}/lab-x86
pin=$xlab/packages.pin

die() { echo "lab-x86: error: $*" >&2; exit 1; }
note() { echo "lab-x86: $*" >&2; }

# The modules /init loads, in order: kvm-amd and what modules.dep says it
# needs (written by fetch.sh to $out/modules/order).
lab_modules_root=kvm-amd
