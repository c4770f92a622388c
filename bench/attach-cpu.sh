#!/usr/bin/env bash
# bench/attach-cpu.sh: my-sysdig's own CPU per request while `attach` (perf, no stops)
# traces every call of nginx, for two builds, interleaved.
#
#   bench/attach-cpu.sh BIN_A BIN_B [RUNS]
#
# An nginx (2 workers, `return 200`, 127.0.0.1, a free port); per run and build:
# `BIN attach -f -p MASTER -o /dev/null`, 1 s to settle, then `ab -n REQ -c 50`; the
# tracer's CPU is read before ab and 0.5 s after it: utime+stime of /proc/PID/stat
# (clock ticks) and the run time summed over /proc/PID/task/*/schedstat (ns). Prints
# each run's CPU per request and ab's requests/s, and the tracer's stderr but its
# "attached" line (a run that lost ring samples decoded fewer calls: leave it out).
# Knobs: REQ (ab requests, default 20000). Needs: nginx, ab, curl, python3, root.
set -u -o pipefail
A=${1:?BIN_A}; B=${2:?BIN_B}; RUNS=${3:-3}; REQ=${REQ:-20000}
W=$(mktemp -d "${TMPDIR:-/tmp}/my-sysdig-attach-cpu.XXXXXX")
NG=
T=
cleanup() {
  [ -n "$T" ] && kill -INT "$T" 2>/dev/null && wait "$T" 2>/dev/null
  [ -n "$NG" ] && kill -QUIT "$NG" 2>/dev/null && wait "$NG" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$W/logs"
cat > "$W/nginx.conf" <<C
worker_processes 2;
pid $W/nginx.pid;
error_log $W/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $W/body; proxy_temp_path $W/proxy;
  fastcgi_temp_path $W/fastcgi; uwsgi_temp_path $W/uwsgi; scgi_temp_path $W/scgi;
  server { listen 127.0.0.1:$PORT; location / { return 200 "hello\n"; } } }
C
nginx -p "$W" -c "$W/nginx.conf" -g 'daemon off;' &
NG=$!
for _ in $(seq 100); do curl -s "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.1; done
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
sched() { cat "/proc/$1"/task/*/schedstat | awk '{s+=$1} END {print s}'; }
HZ=$(getconf CLK_TCK)
for r in $(seq "$RUNS"); do
  for tag in A B; do
    bin=${!tag}
    "$bin" attach -f -p "$NG" -o /dev/null 2>"$W/err" &
    T=$!
    sleep 1
    for _ in 1 2 3; do curl -s "http://127.0.0.1:$PORT/" >/dev/null; done
    sleep 0.2
    t0=$(ticks "$T"); s0=$(sched "$T")
    ab -q -n "$REQ" -c 50 "http://127.0.0.1:$PORT/" > "$W/ab.out" 2>/dev/null
    sleep 0.5
    t1=$(ticks "$T"); s1=$(sched "$T")
    rps=$(awk '/Requests per second/ {print $4}' "$W/ab.out")
    kill -INT "$T"; wait "$T"; T=
    awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v n="$REQ" -v tag="$tag" -v r="$r" -v rps="${rps:-NA}" \
      -v s0="$s0" -v s1="$s1" 'BEGIN { printf "run %d %s: utime+stime %.2f s = %.1f us/request; schedstat %.3f s = %.1f us/request; %s req/s\n", r, tag, (b-a)/hz, (b-a)/hz/n*1e6, (s1-s0)/1e9, (s1-s0)/1e3/n, rps }'
    grep -v '^my-sysdig: attached' "$W/err" | head -3
  done
done
