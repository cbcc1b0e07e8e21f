#!/usr/bin/env python3
"""Fails (exit 1) on a project include that breaks the module arrows of README's "What is inside".

Each top-level folder is a module, and so is each nested folder listed below (storage/remote is
not part of storage); a file may include its own module's headers, Abseil and the modules listed
for it below, nothing else of ours. tests/, bench/ and examples/ may include anything.
Usage: check_arrows.py [project root]   (default: this script's parent folder)
"""
import os
import re
import sys

# module -> modules it may include (besides itself). Arrows point down; cmd wires everything.
ALLOWED = {
    'common': set(),
    'model': {'common'},
    'config': {'model', 'common'},
    'storage': {'model', 'common'},
    'tsdb': {'storage', 'model', 'common'},
    'promql': {'storage', 'model', 'common'},
    'net': {'config', 'common'},
    'scrape': {'net', 'config', 'storage', 'model', 'common'},
    'push': {'storage', 'model', 'common'},
    'rules': {'promql', 'storage', 'model', 'config', 'common'},
    'notifier': {'net', 'config', 'model', 'common'},
    # Only the WAL watcher reads tsdb, and only tsdb/wlog (read-only); remote read encodes XOR
    # chunks (tsdb/chunkenc) and frames them with CRC32C (tsdb/encoding).
    'storage/remote': {'tsdb/wlog', 'tsdb/chunkenc', 'tsdb/encoding', 'net', 'config', 'storage',
                       'model', 'common'},
    'web': {'promql', 'push', 'storage/remote', 'net', 'storage', 'model', 'common'},
    'tools': {'tsdb', 'storage', 'model', 'common'},
    'lib': {'include', 'web', 'promql', 'push', 'net', 'tsdb', 'config', 'storage', 'model',
            'common'},
    'include': {'include'},
    'cmd': {'lib', 'include', 'web', 'push', 'rules', 'notifier', 'storage/remote', 'scrape',
            'net', 'promql', 'tsdb', 'tools', 'config', 'storage', 'model', 'common'},
}
# Nested folders that are allowed as a target without being modules of their own.
SUBTARGETS = {'tsdb/wlog', 'tsdb/chunkenc', 'tsdb/encoding'}
EXTERNAL = {'absl'}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+/[^"]*)"', re.M)


def module_of(path: str, candidates) -> str:
    """The longest module (or allowed sub-target) that is a folder prefix of path."""
    best = path.split('/', 1)[0]
    for name in candidates:
        if path.startswith(name + '/') and len(name) > len(best):
            best = name
    return best


def main() -> int:
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), '..'))
    problems = []
    for module, allowed in ALLOWED.items():
        for dirpath, dirs, files in os.walk(os.path.join(root, module)):
            rel_dir = os.path.relpath(dirpath, root)
            if rel_dir != module and rel_dir in ALLOWED:  # a nested module is walked on its own
                dirs[:] = []
                continue
            for name in sorted(files):
                if not name.endswith(('.h', '.cc')):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding='utf-8') as f:
                    text = f.read()
                for m in INCLUDE.finditer(text):
                    target = module_of(m.group(1), set(ALLOWED) | SUBTARGETS)
                    if target in SUBTARGETS and target not in allowed:
                        target = target.split('/', 1)[0]
                    if target in EXTERNAL or target == module or target in allowed:
                        continue
                    if target not in ALLOWED:  # a third-party header written with quotes
                        continue
                    line = text.count('\n', 0, m.start()) + 1
                    problems.append(f'{os.path.relpath(path, root)}:{line}: {module}/ may not '
                                    f'include {target}/ (allowed: '
                                    f'{", ".join(sorted(allowed)) or "nothing of ours"})')
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} include(s) break the module arrows')
        return 1
    print('module arrows hold')
    return 0


if __name__ == '__main__':
    sys.exit(main())
