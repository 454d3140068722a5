#!/usr/bin/env python3
"""The lint test: run-clang-tidy over our own code, each file compiled on its own.

The build's compile database gives the checks' files a precompiled header of clang's headers, and
a unity build lists batches of files instead of the files. The lint reads a copy of the database
with one entry per source file and no precompiled header, so that a file that does not include
what it uses fails here.

It runs from the source directory: clang-tidy finds .clang-tidy from there (a build directory
outside the source tree has none above it).

usage: run-lint.py SOURCE_DIR BUILD_DIR RUN_CLANG_TIDY CLANG_TIDY FILE_REGEX
"""
import json
import os
import re
import shlex
import subprocess
import sys


def without_precompiled_header(command):
    args = shlex.split(command)
    kept = []
    i = 0
    while i < len(args):
        # -Xclang -include-pch -Xclang X -Xclang -include -Xclang cmake_pch.hxx, and -Winvalid-pch
        if args[i] == "-Xclang" and i + 3 < len(args) and args[i + 1] in ("-include-pch", "-include") \
                and args[i + 2] == "-Xclang":
            i += 4
            continue
        if args[i] == "-Winvalid-pch":
            i += 1
            continue
        kept.append(args[i])
        i += 1
    return shlex.join(kept)


UNITY_INCLUDE = re.compile(r'^#include "([^"]+)"', re.M)


def per_file(entry):
    """A unity build's entry compiles a batch file that includes the sources: one entry per source."""
    if not re.search(r"/Unity/unity_[0-9]+_[a-z]+\.[a-z]+$", entry["file"]):
        return [entry]
    with open(entry["file"]) as f:
        sources = UNITY_INCLUDE.findall(f.read())
    return [dict(entry, file=source, command=entry["command"].replace(entry["file"], source)) for source in sources]


def main():
    source, build, run_clang_tidy, clang_tidy, file_regex = sys.argv[1:6]
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    entries = [e for entry in entries for e in per_file(entry)]
    for entry in entries:
        entry["command"] = without_precompiled_header(entry["command"])
    linted = [e["file"] for e in entries if re.search(file_regex, e["file"])]
    if not linted:
        sys.exit("run-lint.py: no file of the compile database matches " + file_regex)
    lint_dir = os.path.join(build, "lint")
    os.makedirs(lint_dir, exist_ok=True)
    with open(os.path.join(lint_dir, "compile_commands.json"), "w") as f:
        json.dump(entries, f, indent=1)
    print(f"run-lint.py: {len(linted)} files", flush=True)
    sys.exit(subprocess.call([run_clang_tidy, "-p", lint_dir, "-clang-tidy-binary", clang_tidy, "-quiet",
                              "-warnings-as-errors=*", file_regex], cwd=source))


if __name__ == "__main__":
    main()
