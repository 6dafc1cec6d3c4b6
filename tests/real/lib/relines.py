#!/usr/bin/env python3
"""tests/real/lib/relines.py — a fix rebased across the '#line N' lines of
earlier fixes (the real-world harness, tests/real/series.sh).

    relines.py SRC FIX OUT        (FIX: a unified diff, -p1)

nonstop build --src writes WORK/new in line-neutral form: after each
changed block of a fix it inserts a line '#line N' (N: the original number
of the next line), so that __LINE__ below the change does not move. When
fixes are chained (SRC is the WORK/new of the last fix applied), a later
fix whose context holds such a line, or whose line numbers it shifted,
no longer applies as it stands. This is the operator's rebase, a
deterministic transplant, file by file for every file FIX touches:

  1. EXACT = SRC's file without its marker lines (^#line [0-9]+$); each
     marker is remembered with its anchor, the EXACT line it preceded (or
     the end of the file).
  2. FIX is applied to EXACT (patch -p1, as it was written for upstream's
     file: no fuzz beyond patch's default).
  3. The hunks of that change, as applied (diff -U0 EXACT NEW-EXACT), map
     old EXACT line numbers to new ones. Each marker goes back before its
     anchor's new line; a marker whose anchor was removed or changed goes
     before the first line after that hunk, with N advanced by the lines
     it moved over (that line keeps the number it had: N counted on).
  4. The rebased diff of the file is diff -u SRC-file new-file.

OUT is the concatenation (a/ b/ labels). Exit 0 with OUT written, 1 with
a message on stderr when FIX does not apply to EXACT. Markers are only
moved, never dropped or invented: nonstop adds the new fix's own ones.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

MARKER = re.compile(rb"^#line [0-9]+\r?\n?$")
HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def fix_files(fix):
    """The files FIX touches, -p1 (new side; the old side for deletions)."""
    files = []
    old = None
    with open(fix, "rb") as f:
        for line in f:
            if line.startswith(b"--- "):
                old = line[4:].split(b"\t")[0].strip()
            elif line.startswith(b"+++ ") and old is not None:
                new = line[4:].split(b"\t")[0].strip()
                name = old if new == b"/dev/null" else new
                name = name.decode().split("/", 1)[1] if "/" in name.decode() else name.decode()
                if name not in files:
                    files.append(name)
                old = None
    return files


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


def hunks(old_path, new_path):
    """(a0, b, c0, d) of diff -U0: old lines [a0, a0+b) become new lines
    [c0, c0+d) (0-based; for b == 0 or d == 0, a0/c0 is the insertion
    point, i.e. the index of the first line after)."""
    p = subprocess.run(["diff", "-U0", old_path, new_path], stdout=subprocess.PIPE)
    if p.returncode > 1:
        raise RuntimeError("diff failed")
    out = []
    for line in p.stdout.splitlines():
        m = HUNK.match(line)
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2) or 1)
        c, d = int(m.group(3)), int(m.group(4) or 1)
        out.append((a if b == 0 else a - 1, b, c if d == 0 else c - 1, d))
    return out


def transplant(src_lines, new_exact, hs):
    """The new line-neutral file: NEW_EXACT with SRC's markers put back."""
    exact_len = 0
    markers = []  # (anchor old index, marker line)
    for line in src_lines:
        if MARKER.match(line):
            markers.append((exact_len, line))
        else:
            exact_len += 1
    before = {}  # new index -> [marker lines]
    for anchor, line in markers:
        delta = 0
        place = None
        for a0, b, c0, d in hs:
            if b > 0 and a0 <= anchor < a0 + b:
                # The anchor was removed or changed: the first line after
                # the hunk, numbered on from N.
                n = int(line.split()[1]) + (a0 + b - anchor)
                nl = line[len(line.rstrip(b"\r\n")):]
                line = b"#line %d" % n + nl
                place = c0 + d
                break
            if a0 + b <= anchor:
                delta += d - b
            else:
                break
        if place is None:
            place = anchor + delta
        before.setdefault(place, []).append(line)
    out = []
    for i, line in enumerate(new_exact):
        out.extend(before.pop(i, []))
        out.append(line)
    for i in sorted(before):
        out.extend(before[i])
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: relines.py SRC FIX OUT")
    src, fix, outp = sys.argv[1:]
    files = fix_files(fix)
    tmp = tempfile.mkdtemp(prefix="relines.")
    try:
        exact = os.path.join(tmp, "exact")
        for f in files:
            p = os.path.join(src, f)
            if os.path.exists(p):
                os.makedirs(os.path.dirname(os.path.join(exact, f)), exist_ok=True)
                with open(os.path.join(exact, f), "wb") as o:
                    o.writelines(l for l in read_lines(p) if not MARKER.match(l))
        shutil.copytree(exact, os.path.join(tmp, "new"), dirs_exist_ok=True)
        with open(fix, "rb") as fi:
            p = subprocess.run(["patch", "-d", os.path.join(tmp, "new"), "-p1", "-s", "--batch",
                                "--no-backup-if-mismatch", "-r", "-"], stdin=fi,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            sys.stderr.write("relines: %s does not apply to %s without its #line lines: %s\n"
                             % (fix, src, p.stdout.decode(errors="replace").strip()))
            return 1
        with open(outp, "wb") as out:
            for f in files:
                e = os.path.join(exact, f)
                n = os.path.join(tmp, "new", f)
                hs = hunks(e if os.path.exists(e) else "/dev/null", n if os.path.exists(n) else "/dev/null")
                neutral = transplant(read_lines(os.path.join(src, f)), read_lines(n), hs)
                nn = os.path.join(tmp, "neutral")
                with open(nn, "wb") as o:
                    o.writelines(neutral)
                sp = os.path.join(src, f)
                d = subprocess.run(["diff", "-u", "--label", "a/" + f, "--label", "b/" + f,
                                    sp if os.path.exists(sp) else "/dev/null",
                                    nn if os.path.exists(n) else "/dev/null"],
                                   stdout=subprocess.PIPE)
                if d.returncode > 1:
                    raise RuntimeError("diff failed on " + f)
                out.write(d.stdout)
        return 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
