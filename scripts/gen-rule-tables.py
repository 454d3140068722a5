#!/usr/bin/env python3
# Regenerates the "## Rules and their precision" section of each check doc from checkers/CheckCatalog.cpp
# (the rules and their first-run figures) and checkers/Checks.def (which check has which rules).
import os, re
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src=open(os.path.join(ROOT, 'checkers/CheckCatalog.cpp')).read()
arrays=dict(re.findall(r'const RuleInfo (\w+)\[\] = \{(.*?)\n\};', src, re.S))
table=open(os.path.join(ROOT, 'checkers/Checks.def')).read()
checks=re.findall(r'^MAPGUARD_CHECK\("(mapguard-[\w-]+)", \w+, "\w+",\s*\w+, (\w+Rules)', table, re.M)
MIN=5
def text(u,t):
    if t==0: return 'no first-run finding'
    s=f'{u} of {t} useful'
    if t>=MIN: s+=f' ({u*100//t}%)'
    return s+' on first runs'
def on(u,t):
    return u==t if t<MIN else u*10>=t*9
for cid,arr in checks:
    rows=re.findall(r'\{"([\w-]+)",\s*"(.*?)",\s*(\d+),\s*(\d+)\}', arrays[arr], re.S)
    table=['## Rules and their precision','',
           'Each rule has an id for the `Rules` option and its **first-run precision**: the share of its findings',
           'a maintainer would act on, the first time it ran on real projects no rule was tuned on',
           '([../real-code.md](../real-code.md#first-run-precision-per-rule)). Rules at 90% or better run by',
           'default, and so do rules with fewer than five first-run findings none of which was not useful (the',
           'figure cannot say they are imprecise); the others are off until `Rules` names them',
           "(`mapguard-...Rules: '+id'`, or `Rules: all` for every rule of every check).",'',
           '| Rule | Reports | First-run precision | Default |','| --- | --- | --- | --- |']
    for rid,summ,u,t in rows:
        u,t=int(u),int(t)
        summ=re.sub(r'"\s*"', '', summ)  # adjacent string literals, as clang-format wraps them
        table.append(f'| `{rid}` | {summ} | {text(u,t)} | {"on" if on(u,t) else "off"} |')
    section='\n'.join(table)+'\n'
    p=os.path.join(ROOT, 'docs/checks', cid + '.md')
    d=open(p).read()
    if '## Rules and their precision' in d:
        d=re.sub(r'## Rules and their precision\n.*?(?=\n## )', section, d, flags=re.S)
    else:
        # before "## Options" or the first section after What it reports
        m=re.search(r'\n## (Options|Fix-its|Not reported)', d)
        d=d[:m.start()+1]+section+'\n'+d[m.start()+1:]
    open(p,'w').write(d)
    print(cid, len(rows))
