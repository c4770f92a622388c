#!/bin/sh
# Share of `strace -f` lines that `my-sysdig --format strace` reproduces exactly.
#
#   scripts/strace-diff.sh [-v] CMD [ARGS...]
#
# Runs CMD under both tracers (same -s 32 string limit), normalises each line
# (pid prefixes and pids dropped, hex addresses replaced by 0xADDR, the
# padding before " = " collapsed, unfinished/resumed halves joined), and
# counts the strace lines matched by an identical my-sysdig line (multiset
# match, so ordering between processes does not matter). -v lists the
# unmatched lines of both sides. MY_SYSDIG names the binary (default: the
# release build, else the debug build).
set -eu
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [-v] CMD [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${MY_SYSDIG:-}
if [ -z "$bin" ]; then
    for b in "${CARGO_TARGET_DIR:-$here/target}/release/my-sysdig" "${CARGO_TARGET_DIR:-$here/target}/debug/my-sysdig"; do
        if [ -x "$b" ]; then bin=$b; break; fi
    done
fi
[ -n "$bin" ] || { echo "$0: no my-sysdig binary (set MY_SYSDIG)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
strace -f -s 32 -o "$tmp/strace" "$@" >/dev/null 2>&1 </dev/null || true
"$bin" exec --format strace -s 32 -o "$tmp/mine" -- "$@" >/dev/null 2>&1 </dev/null || true
python3 - "$tmp/strace" "$tmp/mine" "$verbose" <<'PY'
import re, sys
from collections import Counter

PREFIX = re.compile(r'^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)')

def lines(path):
    out, pids, pending = [], set(), {}
    for raw in open(path, errors='replace'):
        raw = raw.rstrip('\n')
        m = PREFIX.match(raw)
        pid = None
        if m:
            pid = m.group(1) or m.group(2)
            pids.add(pid)
            raw = raw[m.end():]
        if raw.startswith(('+++', '---')) or not raw:
            continue
        if raw.endswith(' <unfinished ...>'):
            pending[pid] = raw[:-len(' <unfinished ...>')]
            continue
        r = re.match(r'^<\.\.\. \w+ resumed>(.*)$', raw)
        if r:
            raw = pending.pop(pid, '') + r.group(1)
        out.append(raw)
    return out, pids

def norm(line, pids):
    line = re.sub(r'0x[0-9a-f]+', '0xADDR', line)
    line = re.sub(r'\)\s+= ', ') = ', line)
    line = re.sub(r'\s+<[0-9.]+>$', '', line)
    if pids:
        line = re.sub(r'\b(' + '|'.join(sorted(pids)) + r')\b', 'PID', line)
    return line

a, pa = lines(sys.argv[1])
b, pb = lines(sys.argv[2])
pids = pa | pb
ca = Counter(norm(l, pids) for l in a)
cb = Counter(norm(l, pids) for l in b)
common = sum((ca & cb).values())
total = sum(ca.values())
share = 100.0 * common / total if total else 0.0
print(f"{common}/{total} strace lines reproduced exactly ({share:.1f}%)")
if sys.argv[3] == '1':
    for l, n in sorted((ca - cb).items()):
        print(f"- {n}x {l}")
    for l, n in sorted((cb - ca).items()):
        print(f"+ {n}x {l}")
PY
