#!/usr/bin/env python3
"""Recall on real code: inject one bug at a time into a configured project of the harness and
count the mutants whose bug mapguard reports.

    mutate.py <work-dir> <name> [--projects bench/realcode/projects.tsv] [--operators a,b]
              [--max-per-operator N] [--seed S] [--mapguard build/bin/mapguard] [--extra-arg ARG]

<work-dir>/<name> is a clone configured by bench/realcode/run.sh (it needs the compile database).
Each operator finds its sites in the units of the project (the .cc/.cpp files of the database the
project's regex selects) and makes one mutant per site, in place, keeping every line where it was
(a removed line is blanked), so that findings compare line for line with the unmutated unit. The
mutant's unit is analysed with every rule on (`Rules: all`), and the mutant counts as detected when a
finding the unmutated unit does not have lands in the injected bug's region (the block whose guard was
removed, the loop whose iterator was left stale, the line of the moved lock's access), itself or by
one of its notes (check-then-act reports the act, with a note at the unlocked check). The file is
restored after each mutant, also on an interrupt.

Operators (the bugs seen in real histories):
  delete-guard       a scoped guard (lock_guard, unique_lock, scoped_lock, shared_lock, a project
                     guard ending in Lock/Guard/Locker) deleted from a block that names a member or
                     global container; the block is the region
  stale-iterator     `it = c.erase(it)` -> `c.erase(it)`, `c.erase(it++)` -> `c.erase(it)`; the
                     enclosing loop is the region
  shared-guard       an exclusive guard of a shared mutex (unique_lock/lock_guard<std::shared_mutex>,
                     absl::MutexLock, QWriteLocker) made a reader guard in a block that writes
  lock-after-access  a guard moved below the statement after it (the guard's line blanked, the guard
                     appended to the next statement's line); that statement is the region

A detection counts for the default rules when one of those findings is of a rule on by default
(checkers/CheckCatalog.cpp); both figures come from the one analysis.

Writes <work-dir>/<name>.mutants.tsv (operator, file, line, detected with every rule, detected by
the default rules, the new findings with their rules) and prints one summary row per operator:
mutants, detected with every rule, detected by default, mutants that do not compile. Every miss is then triaged by hand as equivalent (the mutant is not a
bug: the guard protected no shared container) or missed; the table lives in docs/real-code.md.
"""
import argparse, json, os, random, re, signal, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'bench/realcode'))
from rules import rule_of  # noqa: E402


def default_rules():
    """The ids of the rules on by default, by the catalog's rule (checkers/CheckCatalog.cpp)."""
    text = open(os.path.join(ROOT, 'checkers/CheckCatalog.cpp')).read()
    on = set()
    for rule, useful, total in re.findall(r'\{"([\w-]+)",\s*".*?",\s*(\d+),\s*(\d+)\}', text, re.S):
        useful, total = int(useful), int(total)
        if (useful == total) if total < 5 else (useful * 10 >= total * 9):
            on.add(rule)
    return on

GUARD = re.compile(
    r'^(?P<indent>\s*)(?:const\s+)?(?P<type>(?:\w+::)*(?:lock_guard|unique_lock|scoped_lock|shared_lock|'
    r'MutexLock|ReaderMutexLock|WriterMutexLock|\w*(?:Lock|Guard|Locker))\b(?:<[^;]*?>)?)\s+(?P<var>\w+)\s*[({][^;]*[)}]\s*;\s*(//.*)?$')
ERASE_ASSIGN = re.compile(r'\b(?P<it>\w+)\s*=\s*(?P<obj>[\w.\->\[\]()*]+?)\s*(?P<op>\.|->)\s*erase\s*\(\s*(?P=it)\s*\)')
ERASE_POSTINC = re.compile(r'(?P<obj>[\w.\->\[\]()*]+?)\s*(?P<op>\.|->)\s*erase\s*\(\s*(?P<it>\w+)\s*\+\+\s*\)')
SHARED_MUTEX = re.compile(r'shared_mutex|shared_timed_mutex|SharedMutex|RWMutex|RwMutex|rw_?lock|RWLock', re.I)
WRITE_CALL = re.compile(r'\.\s*(erase|insert|emplace\w*|try_emplace|insert_or_assign|clear|push_\w+|pop_\w+|swap|'
                        r'assign|resize|reserve)\s*\(|\]\s*=[^=]|->\s*(erase|insert|emplace\w*|clear|push_\w+|pop_\w+)\s*\(')


def strip_comments_and_strings(text):
    """The text with comments and string/char literals blanked (same length, same newlines)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(''.join(ch if ch == '\n' else ' ' for ch in text[i:j])); i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + ' ' * (j - i - 2) + (c if j - i >= 2 else '')); i = j
        else:
            out.append(c); i += 1
    return ''.join(out)


class Source:
    def __init__(self, path):
        self.path = path
        self.text = open(path, encoding='utf-8', errors='surrogateescape').read()
        self.lines = self.text.split('\n')
        self.clean = strip_comments_and_strings(self.text).split('\n')
        # Innermost block of every line: (open line, close line), from the brace structure.
        self.block_of = [None] * len(self.lines)
        stack = []
        for no, line in enumerate(self.clean):
            for ch in line:
                if ch == '{':
                    stack.append(no)
                elif ch == '}' and stack:
                    start = stack.pop()
                    for k in range(start + 1, no):
                        if self.block_of[k] is None:
                            self.block_of[k] = (start, no)
        self.loop_of = {}

    def block(self, line):
        return self.block_of[line] or (line, line)

    def enclosing_loop(self, line):
        """The (first, last) lines of the innermost for/while/do loop around the line."""
        start, end = self.block(line)
        while True:
            head = ' '.join(self.clean[max(0, start - 2):start + 1])
            if re.search(r'\b(for|while|do)\b', head):
                return (max(0, start - 2), end)
            outer = self.block_of[start]
            if not outer:
                return (start, end)
            start, end = outer


def sites(src, operator):
    """(line, new text of that line, new text of the next line or None, region) per site."""
    found = []
    for no, line in enumerate(src.clean):
        original = src.lines[no]
        if operator in ('delete-guard', 'lock-after-access', 'shared-guard'):
            m = GUARD.match(line)
            if not m or 'cond' in m.group('var').lower():
                continue
            start, end = src.block(no)
            body = '\n'.join(src.clean[no + 1:end])
            if operator == 'delete-guard':
                # The block names a container: a member/global touched by a container call.
                if not re.search(r'\b\w+_?\s*(\.|->)\s*(find|count|contains|erase|insert|emplace\w*|at|begin|end|size|'
                                 r'empty|clear|push_\w+|pop_\w+|front|back)\s*\(|\b\w+\s*\[', body):
                    continue
                found.append((no, '', None, (no, end)))
            elif operator == 'lock-after-access':
                nxt = no + 1
                while nxt < end and not src.clean[nxt].strip():
                    nxt += 1
                stmt = src.clean[nxt] if nxt < end else ''
                if nxt >= end or not stmt.rstrip().endswith(';') or '{' in stmt or '}' in stmt or \
                        not re.search(r'(\.|->)\s*\w+\s*\(|\[', stmt) or re.match(r'\s*(return|if|for|while)\b', stmt):
                    continue
                found.append((no, '', (nxt, src.lines[nxt].rstrip() + ' ' + original.strip()), (nxt, nxt)))
            else:  # shared-guard
                kind = m.group('type')
                if not re.search(r'\b(unique_lock|lock_guard|scoped_lock)\b', kind) or not SHARED_MUTEX.search(line):
                    continue
                if not WRITE_CALL.search(body):
                    continue
                new = re.sub(r'\b(?:std::)?(unique_lock|lock_guard|scoped_lock)\b', 'std::shared_lock', original, count=1)
                found.append((no, new, None, (no, end)))
        elif operator == 'stale-iterator':
            m = ERASE_ASSIGN.search(line)
            if m:
                new = original[:m.start()] + original[m.start('obj'):m.end()] + original[m.end():]
                found.append((no, new, None, src.enclosing_loop(no)))
                continue
            m = ERASE_POSTINC.search(line)
            if m:
                inc = original.find('++', m.start('it'))
                new = original[:inc] + original[inc + 2:]
                found.append((no, new, None, src.enclosing_loop(no)))
    return found


def analyse(mapguard, build, path, extra_args):
    cmd = [mapguard, '-p', build, '--quiet', '--no-cache', '--format=json',
           "--config={Checks: '-*,mapguard-*', CheckOptions: {Rules: all}}", path]
    cmd += ['--extra-arg=' + a for a in extra_args]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode > 3:
        raise RuntimeError(f'mapguard failed on {path}: {run.stderr[-2000:]}')
    report = json.loads(run.stdout or '{"findings": [], "failedUnits": []}')
    return report['findings'], bool(report.get('failedUnits'))


def key(f):
    return (f['check'], f['file'], f['line'], f['message'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('work')
    ap.add_argument('name')
    ap.add_argument('--projects', default=os.path.join(ROOT, 'bench/realcode/projects.tsv'))
    ap.add_argument('--operators', default='delete-guard,stale-iterator,shared-guard,lock-after-access')
    ap.add_argument('--max-per-operator', type=int, default=40)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--mapguard', default=os.path.join(ROOT, 'build/bin/mapguard'))
    ap.add_argument('--extra-arg', action='append', default=[])
    args = ap.parse_args()
    project = None
    for row in open(args.projects):
        cols = row.rstrip('\n').split('\t')
        if cols and cols[0] == args.name:
            project = cols
    if not project:
        sys.exit(f'{args.name}: not in {args.projects}')
    clone = os.path.join(args.work, args.name)
    build = os.path.join(clone, project[4])
    units = subprocess.run([sys.executable, os.path.join(ROOT, 'bench/realcode/units.py'), clone, project[4],
                            project[5]], capture_output=True, text=True, check=True).stdout.split()
    # Generated sources (protobuf's .pb.cc in the build directory) are not the project's code, and a
    # configure-only build has not written them.
    units = [u for u in units if re.search(r'\.(cc|cpp|cxx)$', u) and os.path.exists(u)]
    rng = random.Random(args.seed)
    out = open(os.path.join(args.work, args.name + '.mutants.tsv'), 'w')
    out.write('operator\tfile\tline\tdetected\tdetected by default\tnew findings\n')
    on_by_default = default_rules()
    baseline = {}
    summary = {}
    for operator in args.operators.split(','):
        candidates = []
        for unit in units:
            src = Source(unit)
            candidates += [(unit, s) for s in sites(src, operator)]
        rng.shuffle(candidates)
        candidates = sorted(candidates[:args.max_per_operator], key=lambda c: (c[0], c[1][0]))
        detected = by_default = total = failed = 0
        for unit, (no, new, nxt, region) in candidates:
            if unit not in baseline:
                findings, broken = analyse(args.mapguard, build, unit, args.extra_arg)
                baseline[unit] = None if broken else {key(f) for f in findings}
            if baseline[unit] is None:
                continue  # the unmutated unit does not compile: nothing to compare
            original = open(unit, encoding='utf-8', errors='surrogateescape').read()
            lines = original.split('\n')
            lines[no] = new
            if nxt:
                lines[nxt[0]] = nxt[1]
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                with open(unit, 'w', encoding='utf-8', errors='surrogateescape') as f:
                    f.write('\n'.join(lines))
                signal.signal(signal.SIGINT, previous)
                findings, broken = analyse(args.mapguard, build, unit, args.extra_arg)
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                with open(unit, 'w', encoding='utf-8', errors='surrogateescape') as f:
                    f.write(original)
                signal.signal(signal.SIGINT, previous)
            if broken:
                failed += 1
                out.write(f'{operator}\t{unit}\t{no + 1}\tdoes-not-compile\t\t\n')
                continue
            first, last = region

            # A finding lands at the bug when it, or one of its notes, is in the region: check-then-act
            # reports a moved lock's unlocked `find` at the act it decides, with a note at the check.
            def at_bug(f):
                return any(os.path.realpath(place['file']) == os.path.realpath(unit) and
                           first + 1 <= place['line'] <= last + 1 for place in [f] + f.get('notes', []))
            new_findings = [f for f in findings if key(f) not in baseline[unit] and at_bug(f)]
            seen_by_default = any(rule_of(f) in on_by_default for f in new_findings)
            total += 1
            detected += bool(new_findings)
            by_default += seen_by_default
            out.write(f'{operator}\t{unit}\t{no + 1}\t{"yes" if new_findings else "no"}\t'
                      f'{"yes" if seen_by_default else "no"}\t' +
                      ' | '.join(f"{f['check']}:{rule_of(f)}:{f['line']}" for f in new_findings) + '\n')
            out.flush()
        summary[operator] = (total, detected, by_default, failed)
        print(f'| {args.name} | {operator} | {total} | {detected} | {by_default} | {failed} |', flush=True)


if __name__ == '__main__':
    main()
