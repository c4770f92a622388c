#!/usr/bin/env bash
# bench/nginx-cpu.sh: where the CPU goes when nginx is traced, per request.
#
#   bench/nginx-cpu.sh [-n REQUESTS] [-r ROUNDS] [-w WARMUP] MODE...
#
# MODE (the nginx row of bench/run.sh, --only accept4,close,writev -s 0):
#   untraced        nginx alone
#   noret0          my-sysdig --no-ret
#   noret0+holder   the same, beside bench/exitholder.c holding the perf path's exit
#                   events for nginx's workers (their samples, no join)
#   perf            my-sysdig --exit-via perf (the batched join)
#   perf-entry      the same with MY_SYSDIG_PERF_JOIN=entry (the join at every entry)
#   perf-task       the same with MY_SYSDIG_PERF_SCOPE=task
#
# Each run starts nginx (2 workers, `return 200`, 127.0.0.1, a free port) under MODE,
# warms it with WARMUP requests (default 5000), then runs `ab -n REQUESTS -c 50` (default 80000) and
# reads, before and after, the CPU time (utime+stime of /proc/PID/task/*/stat) of
# each supervisor thread and of the nginx workers, ab's own (/usr/bin/time), and the
# machine's idle time (/proc/stat). Modes run interleaved, ROUNDS times (default 3).
# It prints one line per run and then the medians per mode: requests/s, and µs of CPU
# per request for the supervisor (and its threads), nginx, ab and idle. CPU times
# come in clock ticks (10 ms): with 80000 requests one tick is 0.125 µs per request.
# MY_SYSDIG=PATH runs that binary instead of building this tree's (to compare builds).
# Needs root (perf events, tracefs), nginx, ab, gcc, python3, curl, /usr/bin/time.
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=80000
ROUNDS=3
WARM=5000
while getopts n:r:w: o; do
  case $o in
    n) N=$OPTARG ;;
    r) ROUNDS=$OPTARG ;;
    w) WARM=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: bench/nginx-cpu.sh [-n REQUESTS] [-r ROUNDS] [-w WARMUP] MODE..." >&2; exit 2; }
for m in "$@"; do
  case $m in
    untraced | noret0 | noret0+holder | perf | perf-entry | perf-task) ;;
    *) echo "bench/nginx-cpu.sh: unknown mode $m" >&2; exit 2 ;;
  esac
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
W=$(mktemp -d /tmp/nginx-cpu.XXXXXX)
MOUNTED=
cleanup() {
  pkill -TERM -f "$W/exitholder" 2>/dev/null
  [ -n "$MOUNTED" ] && umount /sys/kernel/tracing 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
if [ -n "${MY_SYSDIG:-}" ]; then
  MS=$MY_SYSDIG
else
  (cd "$ROOT" && cargo build --release -q) || exit 1
  MS=${CARGO_TARGET_DIR:-$ROOT/target}/release/my-sysdig
fi
gcc -O2 -o "$W/exitholder" "$ROOT/bench/exitholder.c" || exit 1
if [ ! -e /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing && MOUNTED=1
fi
SEL=accept4,close,writev

ticks() { # sum of utime+stime of the given pids' threads
  local s=0 p t
  for p in "$@"; do
    for t in /proc/"$p"/task/*/stat; do
      s=$((s + $(awk '{print $14 + $15}' "$t" 2>/dev/null || echo 0)))
    done
  done
  echo $s
}
threads() { # "comm ticks" per thread of pid $1
  local t
  for t in /proc/"$1"/task/*; do
    echo "$(tr ' ' _ < "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done
}
idle() { awk '/^cpu /{print $5 + $6}' /proc/stat; }

run() { # MODE -> one line: mode rps sup nginx ab idle [thread=µs ...]
  local mode=$1 d=$W/ng port
  rm -rf "$d"; mkdir -p "$d"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$d/nginx.conf" <<C
worker_processes 2;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  server { listen 127.0.0.1:$port; location / { return 200 "hello\n"; } }
}
C
  local ng=("$NGINX" -p "$d" -c "$d/nginx.conf") cmd
  case $mode in
    untraced) cmd=("${ng[@]}") ;;
    noret0 | noret0+holder) cmd=("$MS" exec --only $SEL -s 0 --no-ret -o "$d/rec" -- "${ng[@]}") ;;
    perf) cmd=("$MS" exec --only $SEL -s 0 --exit-via perf -o "$d/rec" -- "${ng[@]}") ;;
    perf-entry) cmd=(env MY_SYSDIG_PERF_JOIN=entry "$MS" exec --only $SEL -s 0 --exit-via perf -o "$d/rec" -- "${ng[@]}") ;;
    perf-task) cmd=(env MY_SYSDIG_PERF_SCOPE=task "$MS" exec --only $SEL -s 0 --exit-via perf -o "$d/rec" -- "${ng[@]}") ;;
  esac
  setsid "${cmd[@]}" </dev/null >"$d/out" 2>&1 &
  local top=$! i
  for i in $(seq 100); do
    [ -s "$d/nginx.pid" ] && curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
  done
  [ "$WARM" -gt 0 ] && ab -q -n "$WARM" -c 50 "http://127.0.0.1:$port/" >/dev/null 2>&1
  local master workers sup=
  master=$(cat "$d/nginx.pid")
  workers=$(pgrep -P "$master" | tr '\n' ' ')
  [ "$mode" = untraced ] || sup=$top
  if [ "$mode" = noret0+holder ]; then
    local f="" w
    for w in $workers; do f="${f:+$f || }common_pid == $w"; done
    "$W/exitholder" "$f" 1000 2>"$d/holder.out" &
    sleep 1
  fi
  [ -n "$sup" ] && threads "$sup" > "$d/t0"
  local s0=0 n0 i0 s1=0 n1 i1 times rps
  [ -n "$sup" ] && s0=$(ticks "$sup")
  n0=$(ticks $workers); i0=$(idle)
  /usr/bin/time -o "$d/time" -f '%U %S' ab -q -n "$N" -c 50 "http://127.0.0.1:$port/" >"$d/ab.out" 2>&1
  times=$(tail -1 "$d/time")
  [ -n "$sup" ] && s1=$(ticks "$sup")
  n1=$(ticks $workers); i1=$(idle)
  [ -n "$sup" ] && threads "$sup" > "$d/t1"
  rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$d/ab.out")
  pkill -TERM -f "$W/exitholder" 2>/dev/null
  kill -QUIT "$master" 2>/dev/null
  wait "$top" 2>/dev/null
  local per_thread=""
  [ -n "$sup" ] && per_thread=$(paste -d' ' "$d/t0" "$d/t1" | awk -v n="$N" \
    '$4 > $2 { printf " %s=%.2f", $1, ($4 - $2) * 1e4 / n }')
  python3 - "$mode" "${rps:-0}" "$N" "$s0" "$s1" "$n0" "$n1" "$i0" "$i1" $times <<'PY'
import sys
mode, rps = sys.argv[1], float(sys.argv[2])
n, s0, s1, n0, n1, i0, i1 = map(int, sys.argv[3:10])
ab = (float(sys.argv[10]) + float(sys.argv[11])) * 1e6 / n
us = lambda t: t * 1e4 / n  # ticks of 10 ms -> µs per request
print(f"{mode} {rps:.0f} {us(s1 - s0):.2f} {us(n1 - n0):.2f} {ab:.2f} {us(i1 - i0):.2f}", end="")
PY
  echo "$per_thread"
}

echo "# bench/nginx-cpu.sh -n $N -r $ROUNDS -w $WARM $*  ($(date -u '+%Y-%m-%d %H:%M UTC'), $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null))"
echo "# mode req/s | µs CPU per request: supervisor nginx ab idle | supervisor threads"
for r in $(seq "$ROUNDS"); do
  for m in "$@"; do
    run "$m" | tee -a "$W/all"
  done
done
echo
echo "# medians over $ROUNDS rounds"
printf '%-15s %9s %11s %8s %8s %8s\n' mode "req/s" supervisor nginx ab idle
for m in "$@"; do
  awk -v m="$m" '$1 == m' "$W/all" | python3 -c '
import sys, statistics as st
rows = [l.split() for l in sys.stdin]
col = lambda i: st.median(float(r[i]) for r in rows)
print(f"{rows[0][0]:<15} {col(1):9.0f} {col(2):11.2f} {col(3):8.2f} {col(4):8.2f} {col(5):8.2f}")'
done
