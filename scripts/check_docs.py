#!/usr/bin/env python3
"""Compile and run every complete program of a Markdown page, and compare what it prints.

Usage: scripts/check_docs.py [options] PAGE.md [PAGE.md ...]
  --cxx g++            the compiler (default: $CXX or g++)
  --flags "..."        compile flags (default: -std=c++20 -O2 -march=native -Wall -Wextra)
  --include DIR        nerve's headers (default: include/ next to this script); repeatable -I
                       directories for the dependencies go into --flags
  --libs "..."         link flags (default: -lz)
  --work DIR           where programs are written and built (default: a temporary directory)
  --timeout SECONDS    per program run (default: 120)

The conventions for writers:

- A program is a ```cpp block that contains `int main`. Other ```cpp blocks are fragments and
  are not checked.
- Its expected output is the first ```text block after it and before the next ```cpp block
  (prose and ```sh blocks may come in between). A program without one must compile and exit 0.
- In an expected output, a line that is exactly `...` matches any number of lines (timings,
  progress bars). Trailing spaces and trailing blank lines are ignored; nothing else is.
- An HTML comment before the block changes what is done with it (several may be combined):
    <!-- docs-check: skip -->          not compiled (a program that cannot build here)
    <!-- docs-check: compile-only -->  compiled, not run (needs data, runs long)
    <!-- docs-check: args A B -->      run with these arguments
    <!-- docs-check: needs avx512bw --> output compared only on a CPU with that /proc/cpuinfo
                                       flag (the numbers depend on the SIMD width); elsewhere
                                       the program is still compiled and run.
  Text in parentheses inside a directive is a comment for the reader.

Exit status 0 when every program compiled, ran and printed its expected output; the report names
the page and line of each block that did not.
"""
import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
DIRECTIVE = re.compile(r"<!--\s*docs-check:\s*(.*?)\s*-->")
MAIN = re.compile(r"\bint\s+main\s*\(")


class Block:
    def __init__(self, lang, line, text, directives):
        self.lang, self.line, self.text, self.directives = lang, line, text, directives


def blocks_of(path):
    """The fenced blocks of a Markdown file, each with the docs-check directives above it."""
    lines = open(path, encoding="utf-8").read().splitlines()
    blocks, pending, i = [], [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            pending += DIRECTIVE.findall(lines[i])
            i += 1
            continue
        fence, lang, start = m.group(2), m.group(3).lower(), i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        blocks.append(Block(lang, start + 1, "\n".join(body) + "\n", pending))
        pending = []
    return blocks


def programs_of(path):
    """(program block, expected output block or None) for each program of the page."""
    blocks = blocks_of(path)
    out = []
    for k, b in enumerate(blocks):
        if b.lang != "cpp" or not MAIN.search(b.text):
            continue
        expected = None
        for later in blocks[k + 1:]:
            if later.lang == "cpp":
                break
            if later.lang == "text":
                expected = later
                break
        out.append((b, expected))
    return out


def options_of(block):
    opts = {"skip": False, "compile-only": False, "args": [], "needs": []}
    for d in block.directives:
        word, _, rest = re.sub(r"\(.*?\)", "", d).strip().partition(" ")
        if word in ("skip", "compile-only"):
            opts[word] = True
        elif word == "args":
            opts["args"] = shlex.split(rest)
        elif word == "needs":
            opts["needs"] += rest.split()
        else:
            raise SystemExit(f"unknown directive <!-- docs-check: {d} -->")
    return opts


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def matches(expected, actual):
    """Whether `actual` (lines) is `expected` (lines), a line `...` standing for any lines."""
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(expected):
            r = j == len(actual)
        elif expected[i] == "...":
            r = any(go(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            r = j < len(actual) and expected[i] == actual[j] and go(i + 1, j + 1)
        memo[(i, j)] = r
        return r

    return go(0, 0)


def normalise(text):
    lines = [l.rstrip() for l in text.replace("\r\n", "\n").split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def check_page(page, args, work, flags_cpu):
    rel = os.path.relpath(page, ROOT)
    stem = re.sub(r"[^\w]+", "_", rel)
    failures, checked = [], 0
    programs = programs_of(page)
    if not programs:
        print(f"{rel}: no programs")
        return 0
    for n, (prog, expected) in enumerate(programs):
        where = f"{rel}:{prog.line}"
        opts = options_of(prog)
        if opts["skip"]:
            print(f"{where}: skipped (docs-check: skip)")
            continue
        src = os.path.join(work, f"{stem}_{n}.cpp")
        exe = os.path.join(work, f"{stem}_{n}")
        with open(src, "w") as f:
            f.write(prog.text)
        cmd = [args.cxx, *shlex.split(args.flags), "-I", args.include, src, "-o", exe,
               *shlex.split(args.libs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
        if proc.returncode != 0:
            failures.append(f"{where}: the program does not compile:\n  {shlex.join(cmd)}\n"
                            + "\n".join(proc.stderr.splitlines()[:40]))
            continue
        if proc.stderr.strip():
            failures.append(f"{where}: the program compiles with warnings:\n{proc.stderr}")
            continue
        if opts["compile-only"]:
            print(f"{where}: compiled (docs-check: compile-only)")
            checked += 1
            continue
        try:
            run = subprocess.run([exe, *opts["args"]], cwd=work, capture_output=True, text=True,
                                 timeout=args.timeout, env=dict(os.environ, NERVE_QUIET="1"))
        except subprocess.TimeoutExpired:
            failures.append(f"{where}: the program ran longer than {args.timeout} s; mark it "
                            "<!-- docs-check: compile-only --> if it is meant to")
            continue
        if run.returncode != 0:
            failures.append(f"{where}: the program exited with {run.returncode}:\n{run.stderr}")
            continue
        checked += 1
        if expected is None:
            print(f"{where}: compiled and ran (no output block to compare)")
            continue
        missing = [f for f in opts["needs"] if f not in flags_cpu]
        if missing:
            print(f"{where}: compiled and ran; output not compared: this CPU lacks "
                  f"{' '.join(missing)} (docs-check: needs)")
            continue
        want, got = normalise(expected.text), normalise(run.stdout)
        if matches(want, got):
            print(f"{where}: output matches {rel}:{expected.line}")
            continue
        diff = "\n".join(difflib.unified_diff(want, got, f"{rel}:{expected.line} (documented)",
                                              "what the program prints", lineterm=""))
        failures.append(f"{where}: the output differs from the block at {rel}:{expected.line}.\n"
                        "Update that block (a line `...` matches lines that vary, such as "
                        "timings), or fix the program.\n" + diff)
    for f in failures:
        print("\nFAILED " + f)
    print(f"{rel}: {checked} program(s) checked, {len(failures)} failure(s)")
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pages", nargs="+")
    p.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    p.add_argument("--flags", default="-std=c++20 -O2 -march=native -Wall -Wextra")
    p.add_argument("--include", default=os.path.join(ROOT, "include"))
    p.add_argument("--libs", default="-lz")
    p.add_argument("--work")
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()
    flags_cpu = cpu_flags()
    status = 0
    with tempfile.TemporaryDirectory(prefix="nerve-docs-") as tmp:
        work = os.path.abspath(args.work or tmp)
        os.makedirs(work, exist_ok=True)
        for page in args.pages:
            status |= check_page(os.path.abspath(page), args, work, flags_cpu)
    sys.exit(status)


if __name__ == "__main__":
    main()
