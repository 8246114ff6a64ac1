#!/usr/bin/env python3
"""tests/tools/layers.py: hold the tree to docs/architecture.md (make layers, part of make check).

1. Every #include from one folder into another is one that LAYERS allows:
   dependencies point one way, from the commands down to core/base.
2. No include circle between files (a .c, its .h and its X_int.h are one
   file here).
3. No source file over 800 lines, unless its first comment says why
   ("Over 800 lines: ...").
Each failure names the file, the include or the circle, and what to do.
"""
import collections
import os
import re
import sys

# What each folder may include, besides itself. A folder's place in this
# table is its place in docs/architecture.md's picture; change both at once.
LAYERS = {
    "core/base": set(),
    "image/guest": {"core/base"},	# header-only leaves (eui64.h): the agent links none of it
    "switch": {"core/base"},
    "image": {"core/base", "image/guest"},
    "mconsole": {"core/base", "image/guest"},
    "core/lab": {"core/base", "switch"},
    "core/capture": {"core/base", "switch"},
    "core/confine": {"core/base", "image"},
    "core/storage": {"core/base", "core/lab", "image"},
    "core/cluster": {"core/base", "core/lab", "switch"},
    "watchdog": {"core/base", "core/lab", "mconsole"},
    "core/supervisor": {"core/base", "core/lab", "core/capture", "core/storage", "image",
                        "image/guest", "mconsole", "switch", "watchdog"},
    "core/checks": {"core/base", "core/lab", "core/capture", "core/supervisor", "mconsole",
                    "switch"},
    "core/requests": {"core/base", "core/lab", "core/capture", "core/checks",
                      "core/supervisor", "image/guest", "mconsole", "switch"},
    "core/grade": {"core/base", "core/lab", "core/checks", "core/cluster", "switch"},
    "core/client": {"core/base", "core/lab", "core/requests", "core/supervisor"},
    "core/web": {"core/base", "core/lab", "core/capture", "core/checks", "core/client"},
}
TOP = "cmd"		# the commands may use every folder
SOURCE_DIRS = ("cmd", "core", "switch", "mconsole", "watchdog", "image")
MAX_LINES = 800


def folder(path):
    parts = path.split("/")
    if parts[0] == "core":
        return "/".join(parts[:2])
    if parts[0] == "image" and len(parts) > 2 and parts[1] == "guest":
        return "image/guest"
    return parts[0]


def unit(path):
    """A .c, its .h and its internal X_int.h are one file for circles."""
    base = path[:-2] if path.endswith((".c", ".h")) else path
    return base[:-4] if base.endswith("_int") else base


def main(root):
    os.chdir(root)
    files = []
    for top in SOURCE_DIRS:
        for dirpath, _, names in os.walk(top):
            files += [os.path.join(dirpath, n) for n in names if n.endswith((".c", ".h"))]
    files.sort()
    problems = []
    edges = collections.defaultdict(set)
    for f in files:
        text = open(f, encoding="utf-8", errors="replace").read()
        src = folder(f)
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            inc = m.group(1)
            if not os.path.exists(inc):
                continue	# an embedded file or a generated path, not a header of ours
            dst = folder(inc)
            if unit(inc) != unit(f):
                edges[unit(f)].add(unit(inc))
            if dst == src or src == TOP:
                continue
            if src not in LAYERS:
                problems.append(f"{f}: folder {src} has no place in tests/tools/layers.py's LAYERS "
                                "(add it there and to docs/architecture.md)")
            elif dst not in LAYERS[src]:
                problems.append(f"{f}:{n}: {src} includes {inc} ({dst}), which it may not use: "
                                f"{src} may use {', '.join(sorted(LAYERS[src])) or 'nothing else'}. "
                                "Move the code, or pass what it needs from above (a callback, a "
                                "struct of hooks)")
        lines = text.count("\n")
        if f.endswith(".c") and lines > MAX_LINES and "Over 800 lines:" not in text[:2000]:
            problems.append(f"{f}: {lines} lines, over {MAX_LINES}: split it by concern, or say "
                            "why not in its first comment (\"Over 800 lines: ...\")")
    # Include circles between files, found by a depth-first search.
    state, stack = {}, []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(edges.get(u, ())):
            if state.get(v) == 1:
                circle = stack[stack.index(v):] + [v]
                problems.append("include circle: " + " -> ".join(circle) +
                                " (one of them must stop including the next)")
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    for u in sorted(edges):
        if u not in state:
            visit(u)
    for p in problems:
        print("layers: " + p)
    if problems:
        return 1
    print(f"layers: {len(files)} files, {sum(len(v) for v in edges.values())} includes between "
          "them: every one points down, no circle, no file over 800 lines without a reason")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
