#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The patch queue mechanics on a small stand-in base (QEMU_BASE pointing at a
# directory; the real base is exercised by make check's series-applies step):
# export writes stable files and the series; re-running prepare-tree is a
# no-op; a changed patch is re-applied with untouched files keeping their
# mtimes; a patch that does not apply fails naming the file and the hunk;
# un-exported work in the tree is never thrown away.
. "$(dirname "$0")/lib.sh"

upver=$(awk '$1 == "upstream-version" { print $2 }' "$top/base.pin")
mkdir -p "$tmp/base/hw/arm"
echo "$upver" >"$tmp/base/VERSION"
printf 'QEMU\n====\n\nline one\nline two\nline three\n' >"$tmp/base/README.rst"
printf '/* untouched */\nint virt;\n' >"$tmp/base/hw/arm/virt.c"
mkdir -p "$tmp/patches"
echo "# empty" >"$tmp/patches/series"
export QEMU_BASE=$tmp/base QL_BUILD=$tmp/build QL_PATCHES=$tmp/patches
prep="$top/scripts/prepare-tree.sh"
tree=$tmp/build/qemu

"$prep" >"$tmp/log" || { cat "$tmp/log"; fail "import of the stand-in base"; }
[ "$(git -C "$tree" rev-list --count HEAD)" = 1 ] || fail "expected one base commit"
ok "base imported as one commit"

# A developer commit, exported.
sed -i 's/^line two$/line two, patched/' "$tree/README.rst"
git -C "$tree" commit -q -am "readme: patch line two" -m "Body."
"$top/scripts/export.sh" >"$tmp/log"
[ "$(grep -vE '^(#|$)' "$tmp/patches/series")" = "0001-readme-patch-line-two.patch" ] ||
    fail "series is: $(cat "$tmp/patches/series")"
p=$tmp/patches/0001-readme-patch-line-two.patch
head -1 "$p" | grep -q '^From 0000000000000000000000000000000000000000 ' || fail "not --zero-commit"
grep -q '^Subject: \[PATCH\] readme: patch line two$' "$p" || fail "subject line"
! grep -q '^-- $' "$p" || fail "signature not stripped"
cp "$p" "$tmp/first-export"
"$top/scripts/export.sh" >"$tmp/log"
cmp -s "$p" "$tmp/first-export" || fail "a second export changed the file"
ok "export writes stable format-patch files and the series"

head_before=$(git -C "$tree" rev-parse HEAD)
"$prep" >"$tmp/log"
grep -q 'up to date' "$tmp/log" || fail "prepare-tree after export was not a no-op: $(cat "$tmp/log")"
[ "$(git -C "$tree" rev-parse HEAD)" = "$head_before" ] || fail "HEAD moved"
ok "prepare-tree after export is a no-op"

# A changed patch: re-applied, untouched files keep their mtimes.
touch -d '2001-01-01' "$tree/hw/arm/virt.c"
m_virt=$(stat -c %y "$tree/hw/arm/virt.c")
sed -i 's/^+line two, patched$/+line two, patched again/' "$p"
"$prep" >"$tmp/log" || { cat "$tmp/log"; fail "re-apply"; }
grep -qx 'line two, patched again' "$tree/README.rst" || fail "changed patch not applied"
[ "$(stat -c %y "$tree/hw/arm/virt.c")" = "$m_virt" ] || fail "an untouched file got a new mtime"
ok "a changed patch is re-applied and untouched files keep their mtimes"
# Same input, same commits.
h1=$(git -C "$tree" rev-parse HEAD)
rm -f "$tree/.git/qemu-large/series-id"
sleep 1     # a wall-clock committer date would now differ
"$prep" >"$tmp/log"
[ "$(git -C "$tree" rev-parse HEAD)" = "$h1" ] || fail "re-applying the same series gave other commit ids"
ok "applied commits are reproducible"

# Un-exported work is protected.
echo "local edit" >>"$tree/hw/arm/virt.c"
sed -i 's/^+line two, patched again$/+line two, patched thrice/' "$p"
expect_fail "$tmp/log" "$prep"
grep -q 'uncommitted edits' "$tmp/log" || fail "dirty tree not reported: $(cat "$tmp/log")"
grep -q 'local edit' "$tree/hw/arm/virt.c" || fail "the local edit was lost"
git -C "$tree" commit -q -am "local commit"
expect_fail "$tmp/log" "$prep"
grep -q 'commits not exported' "$tmp/log" || fail "un-exported commit not reported: $(cat "$tmp/log")"
"$prep" --force >"$tmp/log" || fail "--force"
! grep -q 'local edit' "$tree/hw/arm/virt.c" || fail "--force kept the local commit"
ok "un-exported edits and commits are refused, --force discards them"

# A patch that does not apply: one line naming the file, then the hunk.
sed -i 's/^ line one$/ line ONE/' "$p"
expect_fail "$tmp/log" "$prep"
cat "$tmp/log"
head -1 "$tmp/log" | grep -q "^prepare-tree: error: patches/0001-readme-patch-line-two.patch (patch 1 of the series) does not apply: patch failed: README.rst:" ||
    fail "first line does not name the patch and the place"
grep -q 'while searching for' "$tmp/log" || fail "the failing hunk is not shown"
ok "a patch that does not apply is named with its failing hunk"

# Topic series: folders of patches/, their comments kept by export.
"$prep" --force >/dev/null 2>&1 || true
sed -i 's/^ line ONE$/ line one/' "$p"
mkdir -p "$tmp/patches/docs"
mv "$p" "$tmp/patches/docs/0001-readme-patch-line-two.patch"
printf '# the header\n\n# docs: the README series\n# (a second comment line)\ndocs/0001-readme-patch-line-two.patch\n' >"$tmp/patches/series"
"$prep" >"$tmp/log" || { cat "$tmp/log"; fail "a series with a topic folder"; }
[ "$(git -C "$tree" rev-parse topic/docs)" = "$(git -C "$tree" rev-parse HEAD)" ] || fail "no tag topic/docs on the topic's last commit"
sed -i 's/^line three$/line three, patched/' "$tree/README.rst"
git -C "$tree" commit -q -am "readme: patch line three"
printf 'int arm;\n' >>"$tree/hw/arm/virt.c"
git -C "$tree" commit -q -am "hw/arm: add arm"
"$top/scripts/export.sh" >"$tmp/log" || { cat "$tmp/log"; fail "export of a topic series"; }
want='# the header

# docs: the README series
# (a second comment line)
docs/0001-readme-patch-line-two.patch
docs/0002-readme-patch-line-three.patch
docs/0003-hw-arm-add-arm.patch'
[ "$(cat "$tmp/patches/series")" = "$want" ] || fail "series after export: $(cat "$tmp/patches/series")"
[ -f "$tmp/patches/docs/0003-hw-arm-add-arm.patch" ] && [ ! -e "$tmp/patches/0003-hw-arm-add-arm.patch" ] ||
    fail "new commits are not in the topic's folder: $(cd "$tmp/patches" && find . -name '*.patch')"
ok "export keeps a topic folder, its comments and numbers new commits in it"
# Moved to a new topic by hand in patches/series: kept there, renumbered.
mkdir -p "$tmp/patches/arm"
mv "$tmp/patches/docs/0003-hw-arm-add-arm.patch" "$tmp/patches/arm/0003-hw-arm-add-arm.patch"
sed -i 's|^docs/0003-hw-arm-add-arm.patch$|\n# arm: the board\narm/0003-hw-arm-add-arm.patch|' "$tmp/patches/series"
"$prep" >"$tmp/log" || { cat "$tmp/log"; fail "a second topic"; }
"$top/scripts/export.sh" >"$tmp/log"
[ "$(grep -vE '^(#|$)' "$tmp/patches/series" | tr '\n' ' ')" = "docs/0001-readme-patch-line-two.patch docs/0002-readme-patch-line-three.patch arm/0001-hw-arm-add-arm.patch " ] ||
    fail "series after a move: $(cat "$tmp/patches/series")"
grep -qx '# arm: the board' "$tmp/patches/series" || fail "the new topic's comment was lost"
[ "$(git -C "$tree" rev-parse topic/docs)" = "$(git -C "$tree" rev-parse HEAD~1)" ] &&
    [ "$(git -C "$tree" rev-parse topic/arm)" = "$(git -C "$tree" rev-parse HEAD)" ] || fail "topic tags after export"
ok "a patch moved to a new topic stays there; tags follow"
# A topic split by another one is refused.
git -C "$tree" commit -q --allow-empty -m "docs: readme again"
git -C "$tree" format-patch -q -1 --stdout >"$tmp/patches/docs/0003-docs-readme-again.patch"
# the commit after arm/ belongs to arm by default: make it docs by its file,
# then export must refuse the split
sed -i '$a docs/0003-docs-readme-again.patch' "$tmp/patches/series"
expect_fail "$tmp/log" "$top/scripts/export.sh"
grep -q "topic 'docs' is not contiguous" "$tmp/log" || fail "split topic: $(cat "$tmp/log")"
ok "a topic split by another is refused"
git -C "$tree" reset -q --hard HEAD~1
sed -i '$d' "$tmp/patches/series"
rm -f "$tmp/patches/docs/0003-docs-readme-again.patch"
"$top/scripts/export.sh" >"$tmp/log"

# A series entry without a file.
echo "0002-missing.patch" >>"$tmp/patches/series"
expect_fail "$tmp/log" "$prep"
grep -q 'lists 0002-missing.patch, which is not in patches/' "$tmp/log" || fail "missing file: $(cat "$tmp/log")"
ok "a series entry without its file is reported"
