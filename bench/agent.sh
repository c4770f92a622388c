#!/usr/bin/env bash
# bench/agent.sh: the cost per traced call of a container traced by `my-sysdig agent`,
# against the same loop under `exec` (the same notification loop, started by my-sysdig
# itself) and untraced, in interleaved rounds: without return values (`--no-ret` for
# both) and with them (perf exit events for both).
#
#   usage: bench/agent.sh [ROUNDS] [N]       (as root, with runc and gcc; defaults 5, 200000)
#
# bench/loop.c is built static (gcc -static -O2) into a runc bundle's rootfs (nothing
# else is in it); the container runs `loop getppid N` with the profile
# `my-sysdig profile --only getppid` (getppid -> SCMP_ACT_NOTIFY, listenerPath = the
# agent's socket), served by two agents for all rounds: `agent --only getppid --no-ret
# -o FILE` and `agent --only getppid -o FILE` (return values), each its own socket.
# Each round runs, in this order:
#   untraced     loop getppid N
#   container    the same in a runc container whose profile traces nothing (runc's cost)
#   exec         my-sysdig exec --only getppid --no-ret -o FILE -- loop getppid N
#   exec-cg      the same, the loop first moving itself into a cpu cgroup of its own (as a
#                container is: the tracer stays where it is, the traced process is elsewhere)
#   agent        the container with the --no-ret agent's profile
#   exec-ret     my-sysdig exec --only getppid -o FILE -- loop getppid N (perf exit events)
#   exec-ret-cg  exec-ret, the loop in a cpu cgroup of its own (as exec-cg)
#   agent-ret    the container with the other agent's profile (perf exit events)
# The loop times its N calls itself (CLOCK_MONOTONIC around them, after 200 untimed
# calls), so start-up (runc's, the tracer's) is not counted. Per traced call:
# ns_per_call - untraced's; each ratio is the median over rounds of the per-round ratios.
set -euo pipefail
ROUNDS=${1:-5}
N=${2:-200000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
[ "$(id -u)" -eq 0 ] || { echo "bench/agent.sh: runc needs root" >&2; exit 1; }
command -v runc >/dev/null || { echo "bench/agent.sh: no runc (scripts/install-deps.sh)" >&2; exit 1; }

W=$(mktemp -d /tmp/my-sysdig-agent-bench.XXXXXX)
AGENT_PID=""
# A cpu cgroup for exec-cg (cgroup v1's cpu controller, or v2's unified tree).
if [ -e /sys/fs/cgroup/cpu/cgroup.procs ]; then CG=/sys/fs/cgroup/cpu/msd-bench-$$; else CG=/sys/fs/cgroup/msd-bench-$$; fi
mkdir "$CG"
cleanup() {
  # shellcheck disable=SC2086
  [ -n "$AGENT_PID" ] && kill -TERM $AGENT_PID 2>/dev/null && wait $AGENT_PID 2>/dev/null || true
  rmdir "$CG" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

echo "building (cargo build --release, gcc -static bench/loop.c) ..." >&2
(cd "$ROOT" && cargo build --release -q)
MS=$TARGET/release/my-sysdig
LOOP=$W/loop
gcc -static -O2 -Wall -o "$LOOP" "$ROOT/bench/loop.c"

SOCK=$W/agent.sock
SOCK_RET=$W/agent-ret.sock
# One bundle per profile: traced (the agent's) and plain (allow everything).
bundle() { # DIR PROFILE_JSON
  local dir=$1 prof=$2
  mkdir -p "$dir/rootfs/bin"
  cp "$LOOP" "$dir/rootfs/bin/loop"
  (cd "$dir" && runc spec)
  python3 - "$dir/config.json" "$prof" "$N" <<'EOF'
import json, sys
path, prof, n = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/loop", "getppid", n]
c["linux"]["seccomp"] = json.loads(prof)
json.dump(c, open(path, "w"))
EOF
}
bundle "$W/traced" "$("$MS" profile --only getppid --socket "$SOCK")"
bundle "$W/traced-ret" "$("$MS" profile --only getppid --socket "$SOCK_RET")"
bundle "$W/plain" '{"defaultAction":"SCMP_ACT_ALLOW"}'

"$MS" agent --socket "$SOCK" --only getppid --no-ret -o "$W/agent.rec" 2>"$W/agent.log" &
AGENT_PID=$!
"$MS" agent --socket "$SOCK_RET" --only getppid -o "$W/agent-ret.rec" 2>"$W/agent-ret.log" &
AGENT_PID="$AGENT_PID $!"
for _ in $(seq 100); do [ -S "$SOCK" ] && [ -S "$SOCK_RET" ] && break; sleep 0.05; done

ns() { sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p'; }
declare -A RES
run_one() { # MODE ROUND
  local id="msd-bench-$$-$1-$2" v
  case $1 in
    untraced) v=$("$LOOP" getppid "$N" | ns) ;;
    container) v=$(runc run --bundle "$W/plain" "$id" | ns); runc delete -f "$id" 2>/dev/null || true ;;
    exec) v=$("$MS" exec --only getppid --no-ret -o "$W/exec.rec" -- "$LOOP" getppid "$N" | ns) ;;
    exec-cg) v=$("$MS" exec --only getppid --no-ret -o "$W/exec.rec" -- \
                 sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" getppid "$3"' sh "$CG" "$LOOP" "$N" | ns) ;;
    agent) v=$(runc run --bundle "$W/traced" "$id" | ns); runc delete -f "$id" 2>/dev/null || true ;;
    exec-ret) v=$("$MS" exec --only getppid -o "$W/exec.rec" -- "$LOOP" getppid "$N" | ns) ;;
    exec-ret-cg) v=$("$MS" exec --only getppid -o "$W/exec.rec" -- \
                 sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" getppid "$3"' sh "$CG" "$LOOP" "$N" | ns) ;;
    agent-ret) v=$(runc run --bundle "$W/traced-ret" "$id" | ns); runc delete -f "$id" 2>/dev/null || true ;;
  esac
  RES[$1]="${RES[$1]:-} $v"
}
MODES="untraced container exec exec-cg agent exec-ret exec-ret-cg agent-ret"
for r in $(seq "$ROUNDS"); do
  for m in $MODES; do run_one "$m" "$r"; done
  echo "round $r done" >&2
done
# shellcheck disable=SC2086
kill -TERM $AGENT_PID; wait $AGENT_PID || true; AGENT_PID=""
RECS=$(grep -c ', getppid' "$W/agent.rec" || true)
RECS_RET=$(grep -c ', getppid.*res=[0-9]' "$W/agent-ret.rec" || true)

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "host: $(uname -r), $(nproc) CPUs; N=$N calls per run, $ROUNDS interleaved rounds; medians"
printf '%-10s %12s %14s   %s\n' mode ns_per_call traced_cost runs
U=$(echo "${RES[untraced]}" | median)
for m in $MODES; do
  med=$(echo "${RES[$m]}" | median)
  printf '%-10s %12.1f %14.1f  %s\n' "$m" "$med" "$(echo "$med - $U" | bc -l)" "${RES[$m]}"
done
# Ratios: the median of the per-round ratios (each pairs runs made moments apart).
ratio() { # NUM_MODE DEN_MODE: median over rounds of (NUM - untraced) / (DEN - untraced)
  paste -d' ' <(echo "${RES[untraced]}" | tr ' ' '\n' | grep .) \
              <(echo "${RES[$1]}" | tr ' ' '\n' | grep .) \
              <(echo "${RES[$2]}" | tr ' ' '\n' | grep .) |
    awk '{print ($2 - $1) / ($3 - $1)}' | median
}
printf 'per traced call (median of per-round ratios): agent / exec --no-ret %.2f; agent / exec-cg %.2f; agent-ret / exec-ret %.2f; agent-ret / exec-ret-cg %.2f; agent-ret / agent %.2f\n' \
  "$(ratio agent exec)" "$(ratio agent exec-cg)" "$(ratio agent-ret exec-ret)" "$(ratio agent-ret exec-ret-cg)" \
  "$(ratio agent-ret agent)"
echo "agent records of getppid: $RECS; with a return value: $RECS_RET (want $(( (N + 200) * ROUNDS )) each: N timed + 200 warm-up calls per run)"
