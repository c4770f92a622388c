#!/usr/bin/env bash
# bench/receivers.sh: the notification path with 1..N receiver threads (issue 20, parts 3
# and 4), `--no-ret`, interleaved rounds.
#
#   bench/receivers.sh [--rounds R] [--threads T] [--calls N] [--receivers "1 2 4"] [--perf]
#
# --perf: with return values from the perf exit events (`--exit-via perf`) instead of
# `--no-ret`; part 3 is then skipped (the tracer restarts the interrupted calls).
#
# 1. throughput: the helper's seq-threads case (T threads, each N close() of a bad fd:
#    traced, EBADF) untraced and under `exec --no-ret --only close --receivers R`. Wall
#    time, calls/s (T*N / wall), and from MY_SYSDIG_RECV_STATS=1 the supervisor's CPU per
#    call summed over its receivers; medians of R rounds. Also R=max with plain wake-ups
#    (MY_SYSDIG_SYNC_WAKE=0).
# 2. one thread: bench/loop.c's N raw getppid (ns per call timed inside the program) under
#    `exec --no-ret --only getppid --receivers R`: what extra receivers cost a program whose
#    calls come one at a time (each call may wake a different receiver, and the record is
#    written before the answer).
# 3. calls a signal interrupts before they are received (the window no receiver can
#    close): signal-storm 4000 getppid under SIGALRM every 100 us, and dash's 300
#    background jobs (the untraced outcome is exit 0), per receiver count: interrupted
#    calls as the tracer reports them, and failed shell runs.
#
# Needs: cargo, gcc, dash (sh). Run on an idle machine; results go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5
T=4
N=50000
RECV="1 2 4"
MODE=(--no-ret)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --threads) T=$2; shift 2 ;;
    --calls) N=$2; shift 2 ;;
    --receivers) RECV=$2; shift 2 ;;
    --perf) MODE=(--exit-via perf); shift ;;
    *) echo "usage: $0 [--rounds R] [--threads T] [--calls N] [--receivers LIST] [--perf]" >&2; exit 2 ;;
  esac
done
cargo build --release -q
D=${CARGO_TARGET_DIR:-target}/release
B=$D/my-sysdig
H=$D/sysdig-test-helper
W=$(mktemp -d /tmp/receivers.XXXXXX)
trap 'rm -rf "$W"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
MAX=$(echo "$RECV" | tr ' ' '\n' | sort -n | tail -1)
CONFIGS=(untraced)
for r in $RECV; do CONFIGS+=("r$r"); done
CONFIGS+=("r$MAX-plain")

echo "== throughput: $T threads x $N traced close(), ${MODE[*]}, $ROUNDS rounds, $(nproc) CPUs, $(uname -r)"
for _ in $(seq "$ROUNDS"); do
  for c in "${CONFIGS[@]}"; do
    case $c in
      untraced) cmd=("$H" seq-threads "$T" "$N"); envs=() ;;
      *-plain) r=${c#r}; r=${r%-plain}
               cmd=("$B" exec "${MODE[@]}" --receivers "$r" --only close -o /dev/null -- "$H" seq-threads "$T" "$N")
               envs=(MY_SYSDIG_RECV_STATS=1 MY_SYSDIG_SYNC_WAKE=0) ;;
      *) r=${c#r}
         cmd=("$B" exec "${MODE[@]}" --receivers "$r" --only close -o /dev/null -- "$H" seq-threads "$T" "$N")
         envs=(MY_SYSDIG_RECV_STATS=1) ;;
    esac
    s=$(date +%s%N)
    env "${envs[@]}" "${cmd[@]}" >/dev/null 2>"$W/err"
    e=$(date +%s%N)
    echo "scale=4; ($e-$s)/1000000000" | bc >> "$W/wall.$c"
    # supervisor CPU per call: all receivers' CPU over all their calls
    awk '/stats: my-sysdig-recv/ {calls+=$4; us+=$6} END {if (calls) printf "%.0f\n", us*1000/calls; else print 0}' \
      "$W/err" >> "$W/cpu.$c"
  done
done
printf "%-14s %9s %12s %10s %14s\n" config wall_s calls/s x_untraced sup_ns/call
base=$(median < "$W/wall.untraced")
for c in "${CONFIGS[@]}"; do
  w=$(median < "$W/wall.$c")
  cpu=$(median < "$W/cpu.$c" 2>/dev/null || echo 0)
  [ "$c" = untraced ] && cpu=-
  printf "%-14s %9s %12.0f %10.2f %14s\n" "$c" "$w" "$(echo "$T*$N/$w" | bc -l)" \
    "$(echo "$w/$base" | bc -l)" "$cpu"
done

echo
echo "== one thread: bench/loop getppid 20000 (ns per call), ${MODE[*]}, $ROUNDS rounds"
gcc -O2 -o "$W/loop" bench/loop.c
for _ in $(seq "$ROUNDS"); do
  for r in $RECV; do
    "$B" exec "${MODE[@]}" --receivers "$r" --only getppid -o /dev/null -- "$W/loop" getppid 20000 2>&1 |
      sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p' >> "$W/one.$r"
  done
done
printf "%-10s %12s %12s\n" receivers ns/call x_1
one=$(median < "$W/one.${RECV%% *}")
for r in $RECV; do
  v=$(median < "$W/one.$r")
  printf "%-10s %12s %12.2f\n" "$r" "$v" "$(echo "$v/$one" | bc -l)"
done

[ "${MODE[0]}" = --no-ret ] || exit 0
echo
echo "== interrupted before received: signal-storm 4000 getppid, SIGALRM every 100 us; sh 300 background jobs x 20"
printf "%-10s %22s %26s\n" receivers "storm: interrupted/4000" "sh: failed runs, interrupted"
for r in $RECV; do
  storm=0
  for _ in $(seq "$ROUNDS"); do
    n=$("$B" exec --no-ret --receivers "$r" --only getppid -o /dev/null -- "$H" signal-storm 4000 100 2>&1 >/dev/null |
      sed -n 's/^my-sysdig: \([0-9]*\) traced call.*/\1/p')
    storm=$((storm + ${n:-0}))
  done
  failed=0 lost=0
  for _ in $(seq 20); do
    if ! "$B" exec --no-ret --receivers "$r" -o /dev/null -- sh -c \
        'for i in $(seq 300); do /bin/true & done; wait' >/dev/null 2>"$W/sh.err"; then
      failed=$((failed + 1))
    fi
    n=$(sed -n 's/^my-sysdig: \([0-9]*\) traced call.*/\1/p' "$W/sh.err")
    lost=$((lost + ${n:-0}))
  done
  printf "%-10s %22s %26s\n" "$r" "$((storm / ROUNDS)) (mean of $ROUNDS)" "$failed/20, $lost"
done
