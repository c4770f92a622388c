#!/usr/bin/env bash
# bench/harm.sh: what the tracer costs calls it does not trace, and processes outside
# the traced tree (issue 20, part 1).
#
#   bench/harm.sh [--rounds R] [--count N]
#
# 1. in the tree: `dd if=/dev/zero of=/dev/null bs=64 count=N` (2N syscalls, none traced)
#    untraced and under `my-sysdig exec --only getppid` in each mode (auto as shipped: lazy
#    exit events, rare calls bounced; auto with MY_SYSDIG_BOUNCE=0 and with
#    MY_SYSDIG_PERF_LAZY=0; --exit-via ptrace; --no-ret)
#    and `strace -f --seccomp-bpf -e getppid`. Wall time of the whole command (start-up
#    included), medians of R interleaved rounds, ratio to untraced and to strace.
# 2. beside the tree: the same dd, not traced, while a traced python3 loop makes 100
#    getppid calls a second (the tracer in each mode as above; "alone": no tracer running).
#    Ratio to alone.
#
# Needs: cargo, python3, strace, dd. Run as root (perf events).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5
COUNT=300000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--count N]" >&2; exit 2 ;;
  esac
done
cargo build --release -q
B=${CARGO_TARGET_DIR:-target}/release/my-sysdig
W=$(mktemp -d /tmp/harm.XXXXXX)
trap 'rm -rf "$W"' EXIT

# wall seconds of "$@" (ns resolution)
wall() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "scale=4; ($e-$s)/1000000000" | bc; }
DD=(dd if=/dev/zero of=/dev/null bs=64 count="$COUNT")
declare -A TR=(
  [untraced]=""
  [auto]="$B exec --only getppid -o /dev/null --"
  [auto-nobounce]="env MY_SYSDIG_BOUNCE=0 $B exec --only getppid -o /dev/null --"
  [auto-eager]="env MY_SYSDIG_PERF_LAZY=0 $B exec --only getppid -o /dev/null --"
  [ptrace]="$B exec --only getppid --exit-via ptrace -o /dev/null --"
  [no-ret]="$B exec --only getppid --no-ret -o /dev/null --"
  [strace]="strace -f -qq --seccomp-bpf -e trace=getppid -o /dev/null"
)
MODES=(untraced auto auto-nobounce auto-eager ptrace no-ret strace)
PY='import os, time
while True:
    os.getppid()
    time.sleep(0.01)'

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for r in $(seq "$ROUNDS"); do
  for m in "${MODES[@]}"; do
    # shellcheck disable=SC2086
    wall ${TR[$m]} "${DD[@]}" >> "$W/in.$m"
  done
  for m in "${MODES[@]}"; do
    pid=
    if [ "$m" != untraced ]; then
      # shellcheck disable=SC2086
      setsid ${TR[$m]} python3 -c "$PY" </dev/null >/dev/null 2>&1 &
      pid=$!
      sleep 0.5
    fi
    wall "${DD[@]}" >> "$W/beside.$m"
    if [ -n "$pid" ]; then kill -TERM -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
done

echo "## untraced calls, $COUNT-block dd (2x$COUNT syscalls), $ROUNDS interleaved rounds, medians"
echo
echo "| run | in the tree: s | x untraced | x strace | beside a traced 100/s getppid loop: s | x alone |"
echo "|---|---|---|---|---|---|"
base=$(median < "$W/in.untraced"); st=$(median < "$W/in.strace"); alone=$(median < "$W/beside.untraced")
for m in "${MODES[@]}"; do
  a=$(median < "$W/in.$m"); b=$(median < "$W/beside.$m")
  name=$m; [ "$m" = untraced ] && name="untraced (beside: alone)"
  printf '| %s | %.3f | %.2f | %.2f | %.3f | %.2f |\n' "$name" "$a" "$(echo "$a/$base" | bc -l)" "$(echo "$a/$st" | bc -l)" "$b" "$(echo "$b/$alone" | bc -l)"
done
