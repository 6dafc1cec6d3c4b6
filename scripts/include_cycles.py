#!/usr/bin/env python3
"""scripts/include_cycles.py — include cycles among the modules of src/.

    python3 scripts/include_cycles.py [DIR...]     (default: every src/*/)

A module is a file name without its ending: x.c and x.h are one module, so
"a.c includes b.h while b.c includes a.h" is a cycle even though no header
includes itself. An edge A -> B is an #include "B.h" in a file of A (a name
without a folder is in A's folder). Prints the number of modules and of
cycles (strongly connected groups of two or more modules), each cycle with
its edges; exits 1 if there is one. Issue 12 asks for none in src/.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
INCLUDE = re.compile(r'\s*#\s*include\s+"([^"]+)\.h"')


def edges_of(dirs):
    edges = {}
    for d in dirs:
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if not f.endswith((".c", ".h")):
                continue
            a = os.path.join(d, f[:-2])
            edges.setdefault(a, set())
            with open(os.path.join(ROOT, d, f)) as src:
                for line in src:
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    b = m.group(1) if "/" in m.group(1) else os.path.join(d, m.group(1))
                    if b != a:
                        edges[a].add(b)
                        edges.setdefault(b, set())
    return edges


def cycles(edges):
    """Tarjan's strongly connected components, those of two or more."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    dirs = [d.rstrip("/") for d in sys.argv[1:]] or sorted(
        d for d in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, d)))
    edges = edges_of(dirs)
    found = cycles(edges)
    print(f"{len(edges)} modules in {' '.join(dirs)}: {len(found)} include cycles")
    for group in found:
        print("cycle: " + " ".join(group))
        for a in group:
            print(f"    {a} -> {' '.join(sorted(b for b in edges[a] if b in group))}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
