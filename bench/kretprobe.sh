#!/usr/bin/env bash
# bench/kretprobe.sh: a per-function kretprobe (perf kprobe PMU) against the
# syscalls:sys_exit_<name> tracepoint as the source of return values: what
# untraced calls, the traced call and another process pay, and what opening
# and closing the events costs (bench/kretprobe.c says how).
#
#   bench/kretprobe.sh [--rounds R] [--calls N] [--dd-count C]
#
# Builds bench/kretprobe.c (gcc -O2) in a temporary directory, prints the
# kernel's support (CONFIG_KPROBES, the kprobe PMU, the symbol), runs the modes
# none, tracepoint, kretprobe and fexit (a BPF trampoline on the same function,
# the other per-function way) interleaved R times (default 5) and prints
# medians and ratios to none. A mode the kernel cannot run is shown as n/a
# with the reason. Then one uretprobe run (a check of the retprobe plumbing and
# of the return-value decoding on a function of the benchmark itself; its
# per-hit time is a uprobe's, not a kretprobe's).
#
# Needs: gcc, dd, awk. Run as root.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=5
N=2000000
DDN=300000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --calls) N=$2; shift 2 ;;
    --dd-count) DDN=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--calls N] [--dd-count C]" >&2; exit 2 ;;
  esac
done
W=$(mktemp -d /tmp/kretprobe.XXXXXX)
trap 'rm -rf "$W"' EXIT
gcc -O2 -Wall -o "$W/kretprobe" kretprobe.c

echo "kernel: $(uname -r) $(uname -m), $(nproc) CPUs"
if [ -r /proc/config.gz ]; then
  echo "config: $(zcat /proc/config.gz | grep -E '^(# )?CONFIG_(KPROBES|KRETPROBES|KPROBE_EVENTS|FTRACE_SYSCALLS|PREEMPT)[ =]' | tr '\n' ' ')"
fi
echo "kprobe PMU: $(cat /sys/bus/event_source/devices/kprobe/type 2>/dev/null || echo absent)," \
  "retprobe format: $(cat /sys/bus/event_source/devices/kprobe/format/retprobe 2>/dev/null || echo absent)"
echo "kallsyms: $(grep -E ' (__x64|__arm64)_sys_getppid$' /proc/kallsyms | awk '{print $3}' | tr '\n' ' ')"
echo "calls $N, dd count $DDN, rounds $ROUNDS"
echo

MODES=(none tracepoint kretprobe fexit)
for r in $(seq "$ROUNDS"); do
  for m in "${MODES[@]}"; do
    rc=0
    "$W/kretprobe" "$m" "$N" "$DDN" >>"$W/$m.out" 2>>"$W/$m.err" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || { cat "$W/$m.err" >&2; exit 1; }
  done
done

# median of field F (key=value) over the lines of FILE
med() { grep -o "$2=[^ ]*" "$1" | cut -d= -f2 | sort -g | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-11s %11s %8s %12s %8s %9s %8s %9s %9s  %s\n' mode getpid_ns x_none getppid_ns x_none dd_s x_none open_ms close_ms "samples (each run: ours/match/lost)"
for m in "${MODES[@]}"; do
  if [ ! -s "$W/$m.out" ]; then
    printf '%-11s n/a: %s\n' "$m" "$(sort -u "$W/$m.err" | tr '\n' ' ')"
    continue
  fi
  gp=$(med "$W/$m.out" getpid_ns); gpp=$(med "$W/$m.out" getppid_ns); d=$(med "$W/$m.out" dd_s)
  o=$(med "$W/$m.out" open_ms); c=$(med "$W/$m.out" close_ms)
  [ "$m" = none ] && { g0=$gp; p0=$gpp; d0=$d; }
  chk=$(awk '{for(i=1;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]} printf "%s/%s/%s%s ", v["mine"], v["match"], v["lost"], (v["ok"]==1?"":"!BAD")}' "$W/$m.out")
  printf '%-11s %11.1f %8.3f %12.1f %8.3f %9.4f %8.3f %9.3f %9.3f  %s\n' "$m" "$gp" \
    "$(echo "$gp / $g0" | bc -l)" "$gpp" "$(echo "$gpp / $p0" | bc -l)" "$d" "$(echo "$d / $d0" | bc -l)" "$o" "$c" "$chk"
done
echo
echo "uretprobe plumbing check (20000 calls; per-hit time is a uprobe's):"
"$W/kretprobe" uretprobe 20000 "$DDN" || true
