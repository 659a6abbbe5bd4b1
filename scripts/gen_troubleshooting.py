#!/usr/bin/env python3
"""Generate docs/troubleshooting.md from tests/compile_fail/*.cpp by compiling each file.

Usage: [NERVE_INCLUDE=dir] scripts/gen_troubleshooting.py [--output FILE] [--check] [repo root] [compiler]

Writes docs/troubleshooting.md (or --output FILE). With --check, it writes to --output (default:
a temporary file) and exits 1 with a diff when the result differs from the committed
docs/troubleshooting.md: the test suite's docs.troubleshooting_generated.

Nothing in the output is hand-written except the prose below: code comes from the test files,
errors from g++ (LC_ALL=C for ASCII quotes), paths shortened to include/nerve/... The output
depends only on the sources and the compiler: no path of the machine or the build appears in it.
"""
import argparse, concurrent.futures, difflib, os, re, shutil, subprocess, sys, tempfile

_args = argparse.ArgumentParser(description="Generate docs/troubleshooting.md")
_args.add_argument("root", nargs="?", default=".")
_args.add_argument("cxx", nargs="?", default="g++")
_args.add_argument("--output", help="where to write the page (default: docs/troubleshooting.md)")
_args.add_argument("--check", action="store_true",
                   help="compare the generated page with docs/troubleshooting.md; exit 1 if it differs")
ARGS = _args.parse_args()
ROOT = os.path.abspath(ARGS.root)
CXX = ARGS.cxx
CF = os.path.join(ROOT, "tests", "compile_fail")
# NERVE_INCLUDE: headers to compile against (default: the tree's own include/).
INC = os.path.abspath(os.environ.get("NERVE_INCLUDE", os.path.join(ROOT, "include")))
HEAD_LINES = 10

# (section title, [test names]) in the order a reader meets the mistakes.
SECTIONS = [
    ("The list of entries", ["empty_network", "missing_input", "input_only", "second_input"]),
    ("The Input entry", ["input_no_dimension", "input_zero_dimension", "input_negative_dimension"]),
    ("Types that are not layers", ["not_a_layer", "int_in_layer_list", "network_as_layer"]),
    ("Arguments of a layer", ["dense_zero_units", "dense_negative_units", "dense_second_argument",
                               "dense_third_argument"]),
    ("Shapes between layers", ["dense_after_rank3", "dense_deep_in_lenet", "softmax_on_rank3"]),
    ("The element type", ["int_element_type", "element_type_as_first_entry"]),
    ("Activations", ["elementwise_without_function"]),
    ("Losses", ["cross_entropy_without_softmax"]),
    ("Calling a network", ["call_with_wrong_shape", "call_with_double_data", "call_with_vector"]),
    ("Writing your own layer", ["layer_without_backward", "contraction_without_backward",
                                "layer_misspelled_initialize", "parameters_on_elementwise_layer"]),
    ("Layer options", ["dropout_rate_one", "named_with_dot"]),
    ("Convolutions", ["conv2d_kernel_larger_than_input", "conv2d_on_vector", "conv2d_missing_kernel",
                      "conv2d_unknown_option", "conv2d_option_twice", "conv2d_zero_filters",
                      "conv2d_kernel_zero", "conv2d_stride_zero", "conv2d_dilation_zero",
                      "conv2d_negative_padding", "conv2d_same_with_stride",
                      "conv2d_groups_not_dividing_channels", "conv2d_groups_not_dividing_filters"]),
    ("Pooling", ["max_pool_window_too_large", "max_pool_stride_zero", "max_pool_padding_as_stride",
                 "max_pool_padding_too_large", "max_pool_same_with_stride",
                 "avg_pool_window_too_large", "avg_pool_kernel_zero", "avg_pool_padding_too_large",
                 "avg_pool_same_with_stride", "avg_pool_count_not_an_option", "avg_pool_option_twice",
                 "avg_pool_divisor_zero", "max_pool_divisor",
                 "max_pool_exclude_pad", "avg_pool_rank1_input",
                 "global_avg_pool_on_vector"]),
    ("Batch normalisation", ["batch_norm_on_rank2", "batch_norm_momentum_out_of_range",
                             "batch_norm_negative_eps", "batch_norm_training_batch_1"]),
    ("Sequences", ["lstm_on_vector", "lstm_zero_hidden", "gru_unknown_option",
                   "lstm_one_hot_on_features", "lstm_one_hot_zero_vocabulary",
                   "embedding_on_sequence", "embedding_zero_vocabulary",
                   "embedding_padding_idx_outside_table", "step_on_image_network"]),
]

# Mistakes whose error comes from the compiler, not from nerve: snippets compiled the same way.
PRELUDE = "#include <nerve/nerve.hpp>\nusing namespace nerve;\n\n"
COMPILER_ERRORS = [
    ("A layer template without its arguments: `Dense` instead of `Dense<N>`",
     "using Net = Network<Input<784>, Dense, Softmax>;",
     "using Net = Network<Input<784>, Dense<10>, Softmax>;",
     "`Dense` (and `LeakyReLU`) are templates; a network holds types, so give the arguments "
     "(`LeakyReLU<>` takes the default slope)."),
    ("Arguments to a layer that takes none: `ReLU<>`",
     "using Net = Network<Input<784>, Dense<10>, ReLU<>>;",
     "using Net = Network<Input<784>, Dense<10>, ReLU>;",
     "ReLU, Sigmoid, Tanh, Flatten and Softmax are plain types, not templates."),
    ("A bare number for a kernel size: `Conv2D<8, 3>`",
     "using Net = Network<Input<1, 28, 28>, Conv2D<8, 3>, ReLU, Flatten, Dense<10>>;",
     "using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>>, ReLU, Flatten, Dense<10>>;",
     "PyTorch's `kernel_size=3` is a number; nerve's kernel size is a type, `Kernel<3>` or "
     "`Kernel<3, 3>`, as is every option after it. The compiler refuses a number there before "
     "nerve can say so; `MaxPool<2, 2>` is the same mistake for a stride (`MaxPool<2, "
     "Stride<2>>`)."),
    ("A Shape where Input expects dimensions: `Input<Shape<784>>`",
     "using Net = Network<Input<Shape<784>>, Dense<10>>;",
     "using Net = Network<Input<784>, Dense<10>>;",
     "Input takes the dimensions themselves."),
]


_compiled = {}


def compile_errors(path, cwd, extra=()):
    key = (path, cwd, tuple(extra))
    if key not in _compiled:
        env = dict(os.environ, LC_ALL="C")
        proc = subprocess.run([CXX, "-std=c++20", "-fsyntax-only", "-I", INC, *extra, path],
                              cwd=cwd, env=env, capture_output=True, text=True)
        _compiled[key] = (proc.returncode, proc.stderr)
    return _compiled[key]


def compile_all(jobs):
    """Runs compile_errors for every (path, cwd, extra) at once, as many as there are cores."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda job: compile_errors(*job), jobs))


def shorten(text):
    text = text.replace(INC + "/", "include/")
    return re.sub(r"/usr/include/c\+\+/\d+/", "<c++>/", text)


def head(text, n=HEAD_LINES):
    lines = text.splitlines()
    out = "\n".join(lines[:n])
    if len(lines) > n:
        rest = len(lines) - n
        out += f"\n[... {rest} more line{'s' if rest > 1 else ''}]"
    return out


def variants(source):
    """The file as broken code and as fixed code: keep one branch of the NERVE_FIXED #if."""
    broken, fixed, state = [], [], None
    for line in source.splitlines():
        s = line.strip()
        if s.startswith("// expect:"):
            continue
        if s == "#ifndef NERVE_FIXED":
            state = "broken"; continue
        if s == "#else" and state == "broken":
            state = "fixed"; continue
        if s == "#endif" and state in ("broken", "fixed"):
            state = None; continue
        if state in (None, "broken"):
            broken.append(line)
        if state in (None, "fixed"):
            fixed.append(line)
    return strip(broken), strip(fixed)


def strip(lines):
    """Drop the leading comment (it becomes prose) and the blank lines it leaves."""
    i = 0
    while i < len(lines) and lines[i].startswith("//"):
        i += 1
    return "\n".join(lines[i:]).strip("\n")


def prose(source):
    lines = [l for l in source.splitlines() if not l.startswith("// expect:")]
    text = []
    for l in lines:
        if not l.startswith("//"):
            break
        text.append(l[2:].strip())
    return " ".join(text)


def sentence(errors):
    m = re.search(r"error: static assertion failed: (.*)", errors)
    if not m:
        sys.exit("no static assertion message in:\n" + errors)
    return m.group(1).strip()


def main():
    global SECTIONS
    listed = {t for _, tests in SECTIONS for t in tests}
    present = {f[:-4] for f in os.listdir(CF) if f.endswith(".cpp")}
    if listed - present:
        # Named ahead of (or after) the test itself: left out of the page.
        print(f"gen_troubleshooting.py: {sorted(listed - present)} are in SECTIONS but not in "
              "tests/compile_fail/; left out", file=sys.stderr)
        SECTIONS = [(title, [t for t in tests if t in present]) for title, tests in SECTIONS]
        SECTIONS = [(title, tests) for title, tests in SECTIONS if tests]
    if present - listed:
        # A new test still gets onto the page; its place is decided by adding it to SECTIONS.
        print(f"gen_troubleshooting.py: {sorted(present - listed)} are not in SECTIONS; they go "
              "under 'Other errors' until they are added there", file=sys.stderr)
        SECTIONS = SECTIONS + [("Other errors", sorted(present - listed))]
    # The snippets become main.cpp in a directory of their own, compiled from there: g++ names
    # them main.cpp, whatever the temporary directory is.
    snippets = tempfile.mkdtemp(prefix="nerve-troubleshooting-")
    snippet_dirs = []
    for k, (_, broken, fixed, _) in enumerate(COMPILER_ERRORS):
        dirs = []
        for kind, code in (("broken", broken), ("fixed", fixed)):
            d = os.path.join(snippets, f"{k}_{kind}")
            os.makedirs(d)
            with open(os.path.join(d, "main.cpp"), "w") as f:
                f.write(PRELUDE + code + "\nstatic_assert(Net::output_shape == Shape<10>{});\n")
            dirs.append(d)
        snippet_dirs.append(dirs)
    # With --check, the fixed variants of tests/compile_fail/ are not compiled again: the
    # compile_fail.* tests of the same suite already prove they compile, and the check halves.
    fixed_variants = ((),) if ARGS.check else ((), ("-DNERVE_FIXED",))
    compile_all([(t + ".cpp", CF, extra) for _, tests in SECTIONS for t in tests
                 for extra in fixed_variants]
                + [("main.cpp", d, ()) for dirs in snippet_dirs for d in dirs])

    out = []
    w = out.append
    w("# Troubleshooting: nerve's compile errors\n")
    w("A network that cannot work does not compile. This page lists every error nerve itself "
      "reports, each with the code that causes it, the code that fixes it, and what g++ 12 "
      "prints (the first lines, with paths shortened to `include/nerve/...`). Every example is "
      "a test in `tests/compile_fail/` and this page is generated by compiling those tests, so "
      "the output shown is the output you get.\n")
    w("## How to read a nerve error\n")
    w("Take this network, which forgets Flatten before Dense:\n")
    w("```cpp\nusing Net = Network<Input<4, 4, 16>, Dense<10>>;\n```\n")
    _, example = compile_errors("dense_after_rank3.cpp", CF)
    w("```text\n" + head(shorten(example), 9) + "\n```\n")
    w("- The line `In instantiation of 'struct nerve::Dense<10>::rejects_input<nerve::got<"
      "nerve::Shape<4, 4, 16> >, nerve::at_position<1> >'` names **what** failed and "
      "**where**: the layer (`Dense<10>`), the shape it got (`Shape<4, 4, 16>`) and its "
      "position in the list. Positions count from 0, and `Input` is position 0, so position 1 "
      "is the first layer after Input, the same index `summary()` prints.\n")
    w("- The line `error: static assertion failed: ...` says **what to do**. That sentence is "
      "the heading under which this page lists the error.\n")
    w("- The `required from` lines in between are nerve's own checking machinery "
      "(`nerve::detail::...`) followed by the line of your code that used the network "
      "(`required from here`). You can skip them; the last one tells you which of your lines "
      "asked for the network.\n")
    w("- The errors of a broken network appear only once the network is used, for example by "
      "`Net::output_shape`, `Net::summary()` or by constructing it: a `using` alone checks "
      "nothing.\n")
    w("- Errors found in the arguments of a layer (`Dense<0>`) are reported before shape errors. "
      "Of the shape errors only the first is reported: after a layer refuses its input, the "
      "layers behind it are not checked against a shape that does not exist.\n")
    w("- If the list has several mistakes of the first kind (two entries that are not layers, "
      "two `Dense<0>`), g++ reports each of them, **the one furthest down the list first**. "
      "Look at the `at_position<N>` of every error and fix the lowest position first.\n")
    w("- Anything after the first error (for example `error: static assertion failed` at your "
      "own `static_assert(Net::output_shape == ...)`) follows from it and goes away with it.\n")

    w("## Errors by kind\n")
    for title, _ in SECTIONS:
        w(f"- [{title}](#{anchor(title)})")
    w("- [Errors that come from the compiler, not from nerve](#errors-that-come-from-the-compiler-not-from-nerve)\n")

    for title, tests in SECTIONS:
        w(f"## {title}\n")
        by_sentence = {}
        for t in tests:
            path = os.path.join(CF, t + ".cpp")
            rc, err = compile_errors(t + ".cpp", CF)
            if rc == 0:
                sys.exit(f"{t}.cpp compiled but must fail")
            rc_fixed, err_fixed = (0, "") if ARGS.check else compile_errors(t + ".cpp", CF, ["-DNERVE_FIXED"])
            if rc_fixed != 0:
                sys.exit(f"{t}.cpp with NERVE_FIXED does not compile:\n{err_fixed}")
            by_sentence.setdefault(sentence(err), []).append((t, open(path).read(), err))
        for s, cases in by_sentence.items():
            w(f"### `{s}`\n")
            for t, source, err in cases:
                broken, fixed = variants(source)
                if len(cases) > 1:
                    w(f"#### Example: `{t}.cpp`\n")
                w(codify(prose(source)) + f" (test: `tests/compile_fail/{t}.cpp`)\n")
                w("Broken:\n\n```cpp\n" + broken + "\n```\n")
                w("Fixed:\n\n```cpp\n" + fixed + "\n```\n")
                w("g++ 12 says:\n\n```text\n" + head(shorten(err)) + "\n```\n")

    w("## Errors that come from the compiler, not from nerve\n")
    w("Some mistakes are caught by C++ itself before nerve sees the network. Their messages are "
      "g++'s, not nerve's, and the line and column they point at are the place to look.\n")
    for (title, broken, fixed, why), (broken_dir, fixed_dir) in zip(COMPILER_ERRORS, snippet_dirs):
        rc, err = compile_errors("main.cpp", broken_dir)
        if rc == 0:
            sys.exit(f"snippet compiled but must fail: {broken}")
        rc_fixed, err_fixed = compile_errors("main.cpp", fixed_dir)
        if rc_fixed != 0:
            sys.exit(f"fixed snippet does not compile: {fixed}\n{err_fixed}")
        w(f"### {title}\n")
        w(why + "\n")
        w("Broken:\n\n```cpp\n" + broken + "\n```\n")
        w("Fixed:\n\n```cpp\n" + fixed + "\n```\n")
        w("g++ 12 says:\n\n```text\n" + head(shorten(err), 6) + "\n```\n")
    shutil.rmtree(snippets)

    page = "\n".join(out).rstrip("\n") + "\n"
    committed = os.path.join(ROOT, "docs", "troubleshooting.md")
    if not ARGS.check:
        with open(ARGS.output or committed, "w") as f:
            f.write(page)
        return
    if ARGS.output:
        with open(ARGS.output, "w") as f:
            f.write(page)
    with open(committed) as f:
        old = f.read()
    if old == page:
        print("docs/troubleshooting.md is up to date with tests/compile_fail/ and the headers")
        return
    diff = difflib.unified_diff(old.splitlines(), page.splitlines(), "docs/troubleshooting.md (committed)",
                                ARGS.output or "generated now", lineterm="")
    print("\n".join(diff))
    sys.exit("\ndocs/troubleshooting.md is out of date (the compile-fail tests or the headers "
             "changed, and with them the errors or their line numbers). Regenerate it and commit "
             "the result:\n    scripts/gen_troubleshooting.py")


def codify(text):
    """Put template names such as Dense<0> in backticks, so Markdown does not take them for HTML."""
    return re.sub(r"(?<!`)\b([A-Za-z_][\w:]*<(?:[^<>]|<[^<>]*>)*>)(?!`)", r"`\1`", text)


def anchor(title):
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


if __name__ == "__main__":
    main()
