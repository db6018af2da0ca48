#!/usr/bin/env python3
"""
source_rules.py SRC: the rules of the tree that a compiler cannot check,
one TAP line each (tests/integration/46_source_rules.sh runs it).

- One way to log a value someone else chose: no log call quotes a %s by
  hand; such values go through log_quote().
- The spool has one boundary: only lib/spool.c reaches its directories.
- Layers point one way: the OCR worker's files call each other without a
  circle (file A calls a function file B defines, B one of C's, ... and
  back to A), lib/ includes nothing of bin/, and lib/http knows nothing
  of the daemon skeleton.
"""
import pathlib
import re
import sys

src = pathlib.Path(sys.argv[1])
count = 0


def report(good, what, details=()):
    global count
    count += 1
    print(('ok' if good else 'not ok') + ' - ' + what)
    for d in details:
        print('# ' + d)


sources = sorted(p for d in ('bin', 'lib') for p in (src / d).rglob('*.[ch]'))


def text(p):
    return p.read_text(errors='replace')


def rel(p):
    return str(p.relative_to(src))


# log calls that put a %s between quotes of their own
log_call = re.compile(r'\b(log_(?:info|warn|warnx|debug|error)|fatal|fatalx|fatalx_status)\s*\(')
by_hand = []
for p in sources:
    t = text(p)
    for m in log_call.finditer(t):
        args = t[m.end():t.find(';', m.end())]
        if re.search(r'\\"%[-.*0-9]*s', args):
            by_hand.append('%s:%d' % (rel(p), t.count('\n', 0, m.start()) + 1))
report(not by_hand, 'no log call quotes a value by hand (log_quote() does)', by_hand)

# the spool's directories: descriptors and names
reach = []
for p in sources:
    if rel(p) in ('lib/spool.c', 'lib/spool.h'):
        continue
    for n, line in enumerate(text(p).splitlines(), 1):
        if 'dir_fd' in line or re.search(r'"(?:[^"]*/)?(?:tmp|new|cur|done|failed|incoming)/"', line):
            reach.append('%s:%d: %s' % (rel(p), n, line.strip()))
report(not reach, 'nothing outside lib/spool.c reaches the spool\'s directories', reach)

# module include graph
include = re.compile(r'^#include "((?:lib|bin)/[^"]+)\.h"', re.M)
graph = {}
for p in sources:
    mod = rel(p).rsplit('.', 1)[0]
    graph.setdefault(mod, set()).update(m for m in include.findall(text(p)) if m != mod)

circles = []


def visit(node, path, on_path, finished):
    on_path.add(node)
    path.append(node)
    for nxt in sorted(graph.get(node, ())):
        if nxt in on_path:
            circles.append(' -> '.join(path[path.index(nxt):] + [nxt]))
        elif nxt not in finished:
            visit(nxt, path, on_path, finished)
    path.pop()
    on_path.discard(node)
    finished.add(node)


worker = 'bin/quill-ocr-worker/'
files = [p for p in sources if rel(p).startswith(worker) and p.suffix == '.c']
# functions are defined K&R-style in this tree: the name starts its line
# (its type on the line above); a static one is the file's own
defined = {p: {m.group(2) for m in re.finditer(r'^(.*)\n([a-z_][a-z0-9_]*)\(', text(p), re.M)
               if 'static' not in m.group(1)} for p in files}
calls = {}
for p in files:
    body = re.sub(r'/\*.*?\*/', '', text(p), flags=re.S)
    calls[p] = {q for q in files if q != p and any(re.search(r'\b%s\(' % f, body) for f in defined[q])}
report(len(files) >= 4, 'the OCR worker\'s files were read (%d)' % len(files))
circles = []
graph_calls = {rel(p): {rel(q) for q in qs} for p, qs in calls.items()}
graph, saved = graph_calls, graph
finished = set()
for node in sorted(graph):
    if node not in finished:
        visit(node, [], set(), finished)
graph = saved
report(not circles, 'the OCR worker\'s files call each other without a circle', circles)
up = sorted('%s -> %s' % (m, d) for m, deps in graph.items() if m.startswith('lib/') for d in deps
            if d.startswith('bin/'))
report(not up, 'lib/ includes nothing of bin/', up)
above = sorted(m for m in ('lib/http', 'lib/health', 'lib/router') if 'lib/daemon' in graph.get(m, ()))
report(not above, 'lib/http, lib/health and lib/router do not include lib/daemon.h', above)
report(len(graph) > 40, 'the modules were found (%d)' % len(graph))
print('1..%d' % count)
