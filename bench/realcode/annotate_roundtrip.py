#!/usr/bin/env python3
"""The annotation round trip on a real project (issue 26): copy a configured project, compile it with
-Wthread-safety, run `mapguard annotate --fix` on the copy, compile it again, and compare the new
warnings with the accesses mapguard said the compiler would report.

    annotate_roundtrip.py <project-dir> <build-subdir> <work-dir> --mapguard <bin> [--libcxx] [-j N]

<project-dir> is a clone configured by run.sh (its compile_commands.json in <build-subdir>); the
clone is not touched. Prints counts and writes <work-dir>/<name>.roundtrip.json.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

WARNING = re.compile(r"^(\S+?):(\d+):\d+: (?:warning|error): (.*?) \[(?:-Werror,)?-Wthread-safety[^\]]*\]$", re.M)
PREDICTED = re.compile(r"-Wthread-safety will report: (\S+?):(\d+) ")
CLANG = "/usr/lib/llvm-22/bin/clang++"


def arguments(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = [CLANG], False
    for arg in args[1:]:
        if skip:
            skip = False
            continue
        if arg in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if arg in ("-c", "-MD", "-MMD") or arg.startswith("-Werror") or arg.startswith("-o"):
            continue
        out.append(arg)
    return out


def compile_all(db, libcxx, jobs):
    """The thread-safety warnings of every unit, as (absolute file, line, message), and failed units."""
    def one(entry):
        cmd = arguments(entry) + ["-fsyntax-only", "-Wthread-safety", "-Wno-thread-safety-negative"]
        if libcxx:
            cmd.append("-stdlib=libc++")
        r = subprocess.run(cmd, cwd=entry["directory"], capture_output=True, text=True)
        found = set()
        for m in WARNING.finditer(r.stderr):
            path = os.path.normpath(os.path.join(entry["directory"], m.group(1)))
            found.add((path, int(m.group(2)), m.group(3)))
        return found, (r.returncode != 0 and not found and "error:" in r.stderr)

    warnings, failed = set(), 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for found, bad in pool.map(one, db):
            warnings |= found
            failed += bad
    return warnings, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("project")
    ap.add_argument("build")
    ap.add_argument("work")
    ap.add_argument("--mapguard", required=True)
    ap.add_argument("--libcxx", action="store_true")
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    src = os.path.abspath(a.project)
    name = os.path.basename(src)
    copy = os.path.join(os.path.abspath(a.work), name)
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(src, copy, symlinks=True)
    db_path = os.path.join(copy, a.build, "compile_commands.json")
    with open(db_path) as f:
        text = f.read().replace(src, copy)
    with open(db_path, "w") as f:
        f.write(text)
    db = [e for e in json.loads(text) if not e["file"].endswith(".c")]  # C units: no -Wthread-safety of C++ members

    before, failed_before = compile_all(db, a.libcxx, a.j)
    cmd = [a.mapguard, "annotate", "-p", os.path.dirname(db_path), "--no-cache", "--quiet", "--fix",
           "-j", str(a.j), "--unit-timeout=900", "--allow-system-header-errors"]
    if a.libcxx:
        cmd.append("--extra-arg=-stdlib=libc++")
    r = subprocess.run(cmd, capture_output=True, text=True)
    report = r.stdout
    after, failed_after = compile_all(db, a.libcxx, a.j)

    def place(w):
        return (w[0], w[1])
    before_places = {place(w) for w in before}
    new = sorted({w for w in after if place(w) not in before_places})
    predicted = {(os.path.normpath(p), int(l)) for p, l in PREDICTED.findall(report)}
    new_places = {place(w) for w in new}
    summary = re.search(r"mapguard annotate: (\d+) of (\d+) container\(s\).*?\((\d+) edit\(s\) in (\d+) file", report)
    left_out = {}
    for m in re.finditer(r"left out: (.*)$", report, re.M):
        reason = m.group(1)
        key = ("no capability attribute" if "capability attribute" in reason else
               "guard is not a scoped capability" if "not a scoped capability" in reason else
               "lock call without ACQUIRE" if "carries no ACQUIRE" in reason else
               "lambda under its creator's lock" if "lambda" in reason else
               "unlocked access mapguard accepts" if "mapguard accepts" in reason else
               "cannot name the mutex" if "cannot name" in reason else
               "mutex behind a pointer" if "smart pointer" in reason else
               "units disagree" if "units" in reason else reason[:60])
        left_out[key] = left_out.get(key, 0) + 1
    result = {
        "project": name, "libcxx": a.libcxx, "units": len(db), "exit": r.returncode,
        "annotated": int(summary.group(1)) if summary else None,
        "inferred": int(summary.group(2)) if summary else None,
        "edits": int(summary.group(3)) if summary else None,
        "left_out": left_out,
        "warnings_before": len(before), "units_failing_before": failed_before,
        "units_failing_after": failed_after,
        "new_warnings": len(new_places), "predicted": len(predicted),
        "predicted_and_reported": len(new_places & predicted),
        "reported_not_predicted": sorted("%s:%d" % p for p in new_places - predicted),
        "predicted_not_reported": sorted("%s:%d" % p for p in predicted - new_places),
        "new_warning_texts": ["%s:%d: %s" % w for w in new][:200],
    }
    with open(os.path.join(os.path.abspath(a.work), name + ".roundtrip.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(os.path.abspath(a.work), name + ".annotate.txt"), "w") as f:
        f.write(report + r.stderr)
    print(json.dumps({k: v for k, v in result.items() if k != "new_warning_texts"}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
