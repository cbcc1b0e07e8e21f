#!/usr/bin/env python3
"""Fails (exit 1) on a project include that breaks the module arrows of README's "What is inside".

Each top-level folder is a module; a file may include its own module's headers, Abseil and the
modules listed for it below, nothing else of ours. tests/ and bench/ may include anything.
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
    'web': {'promql', 'push', 'net', 'storage', 'model', 'common'},
    'tools': {'tsdb', 'storage', 'model', 'common'},
    'cmd': {'web', 'push', 'scrape', 'net', 'promql', 'tsdb', 'tools', 'config', 'storage',
            'model', 'common'},
}
EXTERNAL = {'absl'}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]*"', re.M)


def main() -> int:
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), '..'))
    problems = []
    for module, allowed in ALLOWED.items():
        for dirpath, _, files in os.walk(os.path.join(root, module)):
            for name in sorted(files):
                if not name.endswith(('.h', '.cc')):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding='utf-8') as f:
                    text = f.read()
                for m in INCLUDE.finditer(text):
                    target = m.group(1)
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
