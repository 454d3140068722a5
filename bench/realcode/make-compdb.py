#!/usr/bin/env python3
"""make-compdb.py [TARGET ...]: write ./compile_commands.json from what `make -n -B TARGET` would run.

For projects built by a plain (autotools or hand-written) Makefile whose compile lines name their
source: every printed line that runs a C or C++ compiler with `-c` and one source file becomes an
entry, in the current directory. Dependency-only lines (`-MM`, `-E`) are skipped. Nothing is built.
"""
import json, os, shlex, subprocess, sys

SOURCE_SUFFIXES = ('.c', '.cc', '.cpp', '.cxx', '.c++')
COMPILERS = ('cc', 'c++', 'gcc', 'g++', 'clang', 'clang++')

def compiler_line(words):
    return bool(words) and os.path.basename(words[0]).split('-')[0] in COMPILERS \
        and '-c' in words and not {'-MM', '-E'} & set(words)

def main():
    targets = sys.argv[1:]
    printed = subprocess.run(['make', '-n', '-B', *targets], capture_output=True, text=True).stdout
    cwd, entries = os.getcwd(), []
    for line in printed.splitlines():
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if not compiler_line(words):
            continue
        sources = [w for w in words if w.endswith(SOURCE_SUFFIXES) and not w.startswith('-')]
        if len(sources) == 1:
            entries.append({'directory': cwd, 'arguments': words,
                            'file': os.path.join(cwd, sources[0])})
    if not entries:
        sys.exit('make-compdb.py: `make -n -B` printed no compile line')
    with open('compile_commands.json', 'w') as out:
        json.dump(entries, out, indent=1)
    print(f'compile_commands.json: {len(entries)} entries')

if __name__ == '__main__':
    main()
