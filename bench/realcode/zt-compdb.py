#!/usr/bin/env python3
"""zt-compdb.py [CLONE]: write CLONE/compile_commands.json for ZeroTierOne's Linux `make one`
(plus `selftest.cpp` from `make selftest`, same flags), without running make.

Mirrors make-linux.mk for a default (non-debug) build on x86_64:
  CXXFLAGS = -O3 -fstack-protector -Wall -Wno-deprecated -std=c++17 -pthread $(INCLUDES) -DNDEBUG $(DEFS) -msse -msse2 -fPIC -fPIE
  CFLAGS   = same without -std=c++17
  compile  = $(CXX) $(CXXFLAGS) -c -o X.o X.cpp   (GNU make implicit rule)
Deliberate difference: -DZT_SSO_SUPPORTED=1 is left out (as with ZT_EMBEDDED=1), because
service/OneService.cpp then includes rustybits/target/zeroidc.h, which only `cargo build` generates.
The miniupnpc / natpmp choice is detected the way make-linux.mk does it (system headers if present).
Assembler objects (.s) are not listed. Sources from objects.mk are parsed from the file.
"""
import json, os, re, shutil, subprocess, sys

clone = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '.')
os.chdir(clone)

def read(p):
    with open(p) as f:
        return f.read()

def mk_list(text, var):
    """Objects of `VAR=\\` continuation block in a makefile."""
    m = re.search(r'^' + var + r'\s*=\s*\\\n((?:.*\\\n)*.*)', text, re.M)
    return re.findall(r'(\S+\.o)', m.group(1)) if m else []

objects_mk = read('objects.mk')
linux_mk = read('make-linux.mk')
core = mk_list(objects_mk, 'CORE_OBJS')
one = mk_list(objects_mk, 'ONE_OBJS')
one += ['osdep/LinuxEthernetTap.o', 'osdep/LinuxNetLink.o', 'osdep/PortMapper.o']

cxx = 'clang++' if os.path.exists('/usr/bin/clang++') else 'g++'   # make-linux.mk's CXX pick
cc = 'clang' if os.path.exists('/usr/bin/clang') else 'gcc'

INCLUDES = ['-Irustybits/target', '-isystem', 'ext', '-Iext/prometheus-cpp-lite-1.0/core/include',
            '-Iext-prometheus-cpp-lite-1.0/3rdparty/http-client-lite/include',  # (sic, as in make-linux.mk)
            '-Iext/prometheus-cpp-lite-1.0/simpleapi/include']
DEFS = ['-DZT_USE_MINIUPNPC']
upnp_new = subprocess.run(['grep', '-sqr', '.*define.*MINIUPNPC_VERSION.*"2..*"',
                           '/usr/include/miniupnpc/miniupnpc.h']).returncode == 0
if upnp_new:
    DEFS += ['-DZT_USE_SYSTEM_MINIUPNPC']
else:
    DEFS += ['-DMINIUPNP_STATICLIB', '-DMINIUPNPC_SET_SOCKET_TIMEOUT', '-DMINIUPNPC_GET_SRC_ADDR',
             '-D_BSD_SOURCE', '-D_DEFAULT_SOURCE', '-D_XOPEN_SOURCE=600', '-DOS_STRING="Linux"',
             '-DMINIUPNPC_VERSION_STRING="2.0"', '-DUPNP_VERSION_STRING="UPnP/1.1"', '-DENABLE_STRNATPMPERR']
    one += ['ext/miniupnpc/%s.o' % n for n in (
        'connecthostport igd_desc_parse minisoap minissdpc miniupnpc miniwget minixml '
        'portlistingparse receivedata upnpcommands upnpdev upnperrors upnpreplyparse').split()]
if not os.path.exists('/usr/include/natpmp.h'):
    one += ['ext/libnatpmp/natpmp.o', 'ext/libnatpmp/getgateway.o']
else:
    DEFS += ['-DZT_USE_SYSTEM_NATPMP']
one += ['ext/http-parser/http_parser.o']
# x86_64: ZT_ARCHITECTURE=2, x64 asm salsa + ed25519; ZT_SSO_SUPPORTED skipped (see docstring)
DEFS += ['-DZT_BUILD_PLATFORM=1', '-DZT_BUILD_ARCHITECTURE=2', '-DZT_SOFTWARE_UPDATE_DEFAULT="disable"',
         '-D_MT_ALLOCATOR_H', '-D_POOL_ALLOCATOR_H', '-D_EXTPTR_ALLOCATOR_H', '-D_DEBUG_ALLOCATOR_H',
         '-DZT_USE_X64_ASM_SALSA2012', '-DZT_USE_FAST_X64_ED25519']
core += ['ext/x64-salsa2012-asm/salsa2012.o']
m = re.search(r'override CORE_OBJS\+=(ext/ed25519-amd64-asm/.*)', linux_mk)
core += m.group(1).split() if m else []

CXXFLAGS = ['-O3', '-fstack-protector', '-Wall', '-Wno-deprecated', '-std=c++17', '-pthread'] + INCLUDES + \
           ['-DNDEBUG'] + DEFS + ['-msse', '-msse2', '-fPIC', '-fPIE']
CFLAGS = ['-O3', '-fstack-protector', '-Wall', '-Wno-deprecated', '-pthread'] + INCLUDES + \
         ['-DNDEBUG'] + DEFS + ['-msse', '-msse2', '-fPIC', '-fPIE']

entries, seen = [], set()
for obj in core + one + ['one.o', 'selftest.o']:
    if obj in seen:
        continue
    seen.add(obj)
    base = obj[:-2]
    # GNU make implicit-rule order: .c before .cc/.C/.cpp, assembler last (skipped here)
    src = next((base + s for s in ('.c', '.cc', '.C', '.cpp') if os.path.exists(base + s)), None)
    if src is None:
        if not any(os.path.exists(base + s) for s in ('.s', '.S')):
            print('warning: no source for', obj, file=sys.stderr)
        continue
    comp, flags = (cc, CFLAGS) if src.endswith('.c') else (cxx, CXXFLAGS)
    entries.append({'directory': clone, 'file': os.path.join(clone, src), 'output': obj,
                    'arguments': [comp] + flags + ['-c', '-o', obj, src]})

with open('compile_commands.json', 'w') as f:
    json.dump(entries, f, indent=1)
print('wrote %d entries (%d C++) to %s' % (len(entries), sum(not e['file'].endswith('.c') for e in entries),
                                           os.path.join(clone, 'compile_commands.json')))
