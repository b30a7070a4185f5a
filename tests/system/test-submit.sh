#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make submit on a stand-in base that carries the real tree's checkpatch.pl:
# a cover letter from the docs text, [PATCH n/m] subjects, the user's
# sign-off; a patch that breaks QEMU's coding style is refused.
. "$(dirname "$0")/lib.sh"
real=$build/qemu
[ -x "$real/scripts/checkpatch.pl" ] || fail "no applied tree at $real (make tree)"
upver=$(awk '$1 == "upstream-version" { print $2 }' "$top/base.pin")
mkdir -p "$tmp/base/scripts" "$tmp/base/hw/core"
echo "$upver" >"$tmp/base/VERSION"
cp "$real/scripts/checkpatch.pl" "$tmp/base/scripts/"
# what checkpatch.pl looks for to recognise the top of a QEMU tree
mkdir -p "$tmp/base/docs" "$tmp/base/linux-user" "$tmp/base/system"
touch "$tmp/base/COPYING" "$tmp/base/MAINTAINERS" "$tmp/base/Makefile" "$tmp/base/README.rst"
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\n' >"$tmp/base/hw/core/demo.c"
mkdir -p "$tmp/patches"
export QEMU_BASE=$tmp/base QL_BUILD=$tmp/build QL_PATCHES=$tmp/patches
export GIT_COMMITTER_NAME="Test User" GIT_COMMITTER_EMAIL=test@example.org
tree=$tmp/build/qemu
"$top/scripts/prepare-tree.sh" >/dev/null
# the tree's own commits need an identity too
git -C "$tree" config user.name "Patch Author"
git -C "$tree" config user.email author@example.org

printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\nint y;\n' >"$tree/hw/core/demo.c"
git -C "$tree" commit -q -am "hw/core: add y" -m "A well-formed change."
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\nint y;\nint z;\n' >"$tree/hw/core/demo.c"
git -C "$tree" commit -q -am "hw/core: add z" -m "Another one."
"$top/scripts/export.sh" >/dev/null
"$top/scripts/submit.sh" "$tmp/out" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "submit of a clean series"; }
ls "$tmp/out"
cl=$tmp/out/0000-cover-letter.patch
subj=$(head -1 "$top/docs/cover-letter.txt")
grep -q "^Subject: \[PATCH 0/2\] $subj" "$cl" || fail "cover letter subject"
! grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE' "$cl" || fail "cover letter placeholders left"
grep -q "$(sed -n 2p "$top/docs/cover-letter.txt")" "$cl" || fail "cover letter body"
p1=$tmp/out/0001-hw-core-add-y.patch
grep -q '^Subject: \[PATCH 1/2\] hw/core: add y' "$p1" || fail "numbered subject"
grep -q '^Signed-off-by: Test User <test@example.org>$' "$p1" || fail "sign-off"
grep -q '^From: Patch Author <author@example.org>$' "$p1" || fail "author kept"
ok "clean series: cover letter, numbering, sign-off, checkpatch passed"

# A style error must stop the submission.
printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n\nint x;\nint y;\nint z;\n// bad\n' >"$tree/hw/core/demo.c"
git -C "$tree" commit -q -am "hw/core: a C99 comment"
"$top/scripts/export.sh" >/dev/null
if "$top/scripts/submit.sh" "$tmp/out" >"$tmp/log" 2>&1; then
    cat "$tmp/log"; fail "submit accepted a checkpatch error"
fi
cat "$tmp/log"
grep -q 'checkpatch: 0003-hw-core-a-C99-comment.patch: ERROR' "$tmp/log" || fail "the bad patch is not named"
ok "a checkpatch error stops the submission and names the patch"
