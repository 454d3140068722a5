#!/usr/bin/env python3
"""The rule of each finding in a harness report (the numbered rules of the check docs, with the ids
of the `Rules` option), read from its check and message; and a per-rule count.
    rules.py <report.json> [...]      prints check, rule, count
Used to measure each rule's first-run precision: docs/real-code.md."""
import json, re, sys

RULES = [
    ('mapguard-erase-during-iteration', 'reentrant-callback', r'runs code this translation unit cannot see'),
    ('mapguard-erase-during-iteration', 'reentrant-visible-path', r"may call '.*', which changes '.*' while a loop iterates over it"),
    ('mapguard-erase-during-iteration', 'erased-element-reference', r'refers into the element that'),
    ('mapguard-erase-during-iteration', 'held-iterator-insert', r"may (rehash|reallocate|rebalance) '.*' and invalidate '.*', which is used after it"),
    ('mapguard-erase-during-iteration', 'double-advance', r'already moves .* to the next element'),
    ('mapguard-erase-during-iteration', 'erase-then-use-on-every-path', r"is used after '.*erase\(.*, on every path from the erase|erases the element .*, on every path from the erase"),
    ('mapguard-erase-during-iteration', 'erase-then-use', r"is used after '.*erase\("),
    ('mapguard-erase-during-iteration', 'iterator-loop-change', r"inside a loop over '.*' with '|erases the element '.*' points to"),
    ('mapguard-erase-during-iteration', 'range-for-change-on-every-path', r"every path from it goes on to the loop's next element"),
    ('mapguard-erase-during-iteration', 'invalidating-insert', r'inside a range-for over it may (rehash|rebalance|reallocate)'),
    ('mapguard-erase-during-iteration', 'range-for-change', r'inside a range-for over it'),
    ('mapguard-unguarded-access', 'global-thread-race', r'with no mutex held, while'),
    ('mapguard-unguarded-access', 'annotated-guard', r'\(GUARDED_BY\)'),
    ('mapguard-unguarded-access', 'call-breaks-consistent-guard', r"^call to '.*', which (reads|changes) .*, which its other callers hold"),
    ('mapguard-unguarded-access', 'read-breaks-consistent-guard', r'in a function that does not lock .*, which guards it at every access in the other functions'),
    ('mapguard-unguarded-access', 'late-lock-consistent-guard', r'which this function holds at its other accesses and which guards it at every access in the other functions'),
    ('mapguard-unguarded-access', 'breaks-consistent-guard', r'which guards it at every access in the other functions'),
    ('mapguard-unguarded-access', 'inferred-guard', r'which guards it at'),
    ('mapguard-write-under-shared-lock', 'shared-write-consistent-guard', r'where every other change of .* takes it exclusively'),
    ('mapguard-write-under-shared-lock', 'write-under-reader-lock', r''),
    ('mapguard-escaping-reference', 'returned-after-release', r"returns .* that outlives its lock"),
    ('mapguard-escaping-reference', 'stored-beyond-lock', r'is stored in'),
    ('mapguard-escaping-reference', 'captured-by-deferred', r'is captured by a callable that runs'),
    ('mapguard-escaping-reference', 'used-after-release', r''),
    ('mapguard-check-then-act', 'across-calls', r'on the strength of'),
    ('mapguard-check-then-act', 'get-then-erase', r'removes a key whose value was read'),
    ('mapguard-check-then-act', 'lost-update', r'stores a value computed from a read'),
    ('mapguard-check-then-act', 'unlocked-check', r'check made without'),
    ('mapguard-check-then-act', 'two-sections', r''),
    ('mapguard-manual-lock', 'guard-locks-nothing', r'locks nothing and hides the mutex|is a temporary, destroyed at the end of the statement'),
    ('mapguard-manual-lock', 'throw-while-locked', r'an exception from a call'),
    ('mapguard-manual-lock', 'exit-while-locked', r''),
    ('mapguard-deferred-capture', 'concurrent-invocations', r'runs on several threads at once'),
    ('mapguard-deferred-capture', 'local-outlived', r'may run after .* is destroyed'),
    ('mapguard-deferred-capture', 'local-shared-with-thread', r'while this function still uses it'),
    ('mapguard-deferred-capture', 'thread-race', r'with no mutex held, while'),
    ('mapguard-deferred-capture', 'callback-consistent-guard', r'held at every access in the other functions'),
    ('mapguard-deferred-capture', 'callback-without-guard', r''),
    ('mapguard-scope-exit-after-unlock', 'scope-exit-after-release', r''),
]


def rule_of(finding):
    for check, rule, pattern in RULES:
        if finding['check'] == check and re.search(pattern, finding['message']):
            return rule
    return '?'


if __name__ == '__main__':
    counts = {}
    for path in sys.argv[1:]:
        for f in json.load(open(path))['findings']:
            k = (f['check'], rule_of(f))
            counts[k] = counts.get(k, 0) + 1
    for (check, rule), n in sorted(counts.items()):
        print(f'{check}\t{rule}\t{n}')
