#!/usr/bin/env python3
"""Compiles the ```cpp blocks of README.md and docs/*.md against the build tree.

A block with `int main` is a whole program: compiled, linked and run against
getxapi-sandbox (run_example.sh: GETXAPI_BASE_URL, GETXAPI_API_KEY and
GETXAPI_AUTH_TOKEN set; argv[1] = ada_example). The other blocks of a page are
fragments read in order, so they are joined into one function body (later
blocks use names from earlier ones) after a prelude declaring the free names
the prose leaves to the reader (password, key, token, ...), and only
syntax-checked: run, they would contact whatever the options point at.
Usage: check_doc_snippets.py SOURCE_DIR WORK_DIR RUN_EXAMPLE SANDBOX -- CXXFLAGS... -- LIBS...
"""
import pathlib
import re
import subprocess
import sys

PRELUDE = """#include <getxapi/getxapi.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
%s
[[maybe_unused]] static std::string password, totp_secret, key, token, conversation_id;
[[maybe_unused]] static std::string user_id, token1, token2;
[[maybe_unused]] static std::atomic<bool> stopping{false};
[[maybe_unused]] static getxapi::Client client{getxapi::ClientOptions{}};
[[maybe_unused]] static int fail(getxapi::Error const&) { return 1; }
int main() {
"""


def blocks(path):
    return re.findall(r"^```cpp\n(.*?)^```", path.read_text(), re.S | re.M)


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    return done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def main():
    args = sys.argv[1:]
    src, work, run_example, sandbox = (pathlib.Path(a) for a in args[:4])
    sep = args.index("--", 4)
    sep2 = args.index("--", sep + 1)
    cxxflags, libs = args[sep + 1:sep2], args[sep2 + 1:]
    work.mkdir(parents=True, exist_ok=True)
    pages = [src / "README.md"] + sorted((src / "docs").glob("*.md"))
    failed, passed = [], []
    for page in pages:
        name = page.relative_to(src).as_posix()
        fragments = []
        for i, block in enumerate(blocks(page)):
            if "int main" not in block:
                fragments.append(block)
                continue
            cpp = work / f"{page.stem}_{i}.cpp"
            exe = work / f"{page.stem}_{i}"
            cpp.write_text(block)
            ok, log = run(["c++", "-std=c++17", *cxxflags, str(cpp), "-o", str(exe), *libs])
            if ok:
                ok, log = run([str(run_example), str(sandbox), ".", str(exe), "ada_example"])
            (passed if ok else failed).append((f"{name} block {i} (program)", log))
        if not fragments:
            continue
        body = "\n".join(fragments)
        includes = "\n".join(re.findall(r"^#include .*$", body, re.M))
        for component in ("outreach", "outbox", "inbox"):
            if component in body:
                includes += "\n#include <getxapi/%s.hpp>" % component
        body = re.sub(r"^#include .*$", "", body, flags=re.M)
        cpp = work / f"{page.stem}_fragments.cpp"
        cpp.write_text(PRELUDE % includes + body + "\n}\n")
        ok, log = run(["c++", "-std=c++17", "-fsyntax-only", *cxxflags, str(cpp)])
        (passed if ok else failed).append((f"{name} {len(fragments)} fragment(s)", log))
    for what, _ in passed:
        print("ok     ", what)
    for what, log in failed:
        print("FAILED ", what, "\n", log)
    if failed:
        sys.exit(f"{len(failed)} doc snippet group(s) do not compile or run")


main()
