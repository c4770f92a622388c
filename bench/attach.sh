#!/usr/bin/env bash
# bench/attach.sh: what `my-sysdig attach` costs a running service, beside strace -p and
# perf trace -p, and what `attach --all` costs the rest of the machine.
#
#   bench/attach.sh [--rounds R] [--keep]
#
# nginx: an untraced nginx (2 workers, 127.0.0.1, a free port) serves `ab -n N -c 50` in
#   interleaved rounds, once per mode, the tracer attached to the master and both workers
#   before ab starts and detached (SIGINT) after it ends:
#   untraced; my-sysdig attach -f (perf, everything); attach -f --only accept4 (perf);
#   attach --stop -f (ptrace, everything); attach --stop -f --only accept4;
#   strace -f -p M -p W1 -p W2 (everything); strace ... -e trace=accept4;
#   perf trace -p M,W1,W2 (when perf trace works here). Requests/s, ratio to untraced,
#   and the targets' ratios (issue 17): one table and target line per configuration,
#   each with its own nginx:
#   ret200: `location / { return 200 "hello\n"; }`, GET /;
#   static: `sendfile on`, an index.html of a few hundred bytes served from disk, GET
#     /index.html (run as root, the workers stay root, `user root;`: the work directory
#     is mode 700).
#   A target is met when its ratio holds in one run on more than one configuration.
# dd: `dd if=/dev/zero of=/dev/null bs=64 count=DD_N` (2 syscalls a block) alone, beside
#   `my-sysdig attach --all --only openat`, and beside `perf trace -a -e openat` (when it
#   works): what tracing the whole machine costs a process that is not traced.
# Knobs: N (ab requests, default 10000), DD_N (default 300000), ROUNDS (default 5),
# CONFIGS (nginx configurations, run in this order; default "ret200 static"),
# ATTACH_MODES (a subset of untraced perf perf1 stop stop1 strace strace1 perftrace, and
# stop-np stop1-np: the --stop modes with MY_SYSDIG_POLL=0, the tracer never polling;
# perf1-raw: perf1 on the raw_syscalls events, MY_SYSDIG_PERF_RAW=1),
# DD=0 (skip the dd part).
# Needs: cargo, nginx, ab, strace, curl, python3, root (perf events).
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-5}
KEEP=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/attach.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
: "${N:=10000}" "${DD_N:=300000}"

W=$(mktemp -d "${TMPDIR:-/tmp}/my-sysdig-attach.XXXXXX")
NGINX_PID=
TRACER_PID=
cleanup() {
  [ -n "$TRACER_PID" ] && kill -INT "$TRACER_PID" 2>/dev/null && wait "$TRACER_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  if [ $KEEP = 1 ]; then echo "work directory kept: $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '%s\n' "$*" | tee -a "$W/report.txt"; }

(cd "$ROOT" && cargo build --release --quiet) || { echo "bench/attach.sh: build failed" >&2; exit 1; }
MS=${CARGO_TARGET_DIR:-$ROOT/target}/release/my-sysdig

CONFIGS=${CONFIGS:-ret200 static}
for c in $CONFIGS; do
  case $c in
    ret200|static) ;;
    *) echo "bench/attach.sh: unknown configuration '$c' (ret200, static)" >&2; exit 2 ;;
  esac
done

# nginx_start CONF: an nginx in $W/ng-CONF on a free port; sets NGINX_PID, WORKERS, ALLP
# and URL (what ab and the probes request).
nginx_start() {
  local d="$W/ng-$1" site='location / { return 200 "hello\n"; }' usr='' uri=/ port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$d/logs"
  if [ "$1" = static ]; then
    mkdir -p "$d/html"
    { echo '<!DOCTYPE html>'
      echo '<html><head><title>my-sysdig bench</title></head><body>'
      for i in $(seq 8); do echo "<p>static file served by nginx under my-sysdig bench, line $i</p>"; done
      echo '</body></html>'; } > "$d/html/index.html"
    site="sendfile on; default_type text/html; root $d/html; location / { }"
    [ "$(id -u)" = 0 ] && usr='user root;'
    uri=/index.html
  fi
  cat > "$d/nginx.conf" <<EOF
$usr
worker_processes 2;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi; uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  server { listen 127.0.0.1:$port; $site }
}
EOF
  nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  URL="http://127.0.0.1:$port$uri"
  for _ in $(seq 100); do curl -sf "$URL" >/dev/null && break; sleep 0.1; done
  curl -sf "$URL" >/dev/null || { echo "bench/attach.sh: nginx ($1) does not answer $URL" >&2; exit 1; }
  WORKERS=$(cat "/proc/$NGINX_PID/task/$NGINX_PID/children")
  ALLP=$(echo "$NGINX_PID $WORKERS" | tr ' ' ',')
}

PERF_TRACE=0
if perf trace -o /dev/null -- sleep 0.1 >/dev/null 2>&1; then PERF_TRACE=1; fi

MODES="untraced perf perf1 stop stop1 strace strace1"
[ $PERF_TRACE = 1 ] && MODES="$MODES perftrace"
# ATTACH_MODES="untraced perf strace": a subset (ratios need untraced).
MODES=${ATTACH_MODES:-$MODES}

label() {
  case $1 in
    untraced) echo "untraced" ;;
    perf) echo "my-sysdig attach -f (perf, all calls)" ;;
    perf1) echo "my-sysdig attach -f --only accept4 (perf)" ;;
    stop) echo "my-sysdig attach --stop -f (all calls)" ;;
    stop1) echo "my-sysdig attach --stop -f --only accept4" ;;
    perf1-raw) echo "attach -f --only accept4, MY_SYSDIG_PERF_RAW=1" ;;
    stop-np) echo "attach --stop -f, MY_SYSDIG_POLL=0" ;;
    stop1-np) echo "attach --stop -f --only accept4, MY_SYSDIG_POLL=0" ;;
    strace) echo "strace -f -p M,W1,W2 (all calls)" ;;
    strace1) echo "strace -f -p M,W1,W2 -e trace=accept4" ;;
    perftrace) echo "perf trace -p M,W1,W2" ;;
  esac
}

# start_tracer MODE: attaches, waits until attached
start_tracer() {
  local pargs=()
  for p in $NGINX_PID $WORKERS; do pargs+=(-p "$p"); done
  case $1 in
    untraced) TRACER_PID=; return ;;
    perf) "$MS" attach -f -p "$NGINX_PID" -o "$W/rec" 2>"$W/err" & ;;
    perf1) "$MS" attach -f -p "$NGINX_PID" --only accept4 -o "$W/rec" 2>"$W/err" & ;;
    stop) "$MS" attach --stop -f -p "$NGINX_PID" -o "$W/rec" 2>"$W/err" & ;;
    stop1) "$MS" attach --stop -f -p "$NGINX_PID" --only accept4 -o "$W/rec" 2>"$W/err" & ;;
    perf1-raw) MY_SYSDIG_PERF_RAW=1 "$MS" attach -f -p "$NGINX_PID" --only accept4 -o "$W/rec" 2>"$W/err" & ;;
    stop-np) MY_SYSDIG_POLL=0 "$MS" attach --stop -f -p "$NGINX_PID" -o "$W/rec" 2>"$W/err" & ;;
    stop1-np) MY_SYSDIG_POLL=0 "$MS" attach --stop -f -p "$NGINX_PID" --only accept4 -o "$W/rec" 2>"$W/err" & ;;
    strace) strace -f -qq -o "$W/rec" "${pargs[@]}" 2>"$W/err" & ;;
    strace1) strace -f -qq -e trace=accept4 -o "$W/rec" "${pargs[@]}" 2>"$W/err" & ;;
    perftrace) perf trace -p "$ALLP" -o "$W/rec" 2>"$W/err" & ;;
  esac
  TRACER_PID=$!
  # Attached once a request shows up in the records (or after 3 s).
  for _ in $(seq 30); do
    curl -s "$URL" >/dev/null
    [ -s "$W/rec" ] && break
    sleep 0.1
  done
}

stop_tracer() {
  [ -z "$TRACER_PID" ] && return
  kill -INT "$TRACER_PID" 2>/dev/null
  wait "$TRACER_PID" 2>/dev/null
  TRACER_PID=
  rm -f "$W/rec"
}

med() { grep -sE '^[0-9.]+$' "$1" | sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "NA"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'; }
range() { grep -sE '^[0-9.]+$' "$1" | sort -g | awk 'NR==1 {lo=$1} {hi=$1} END { printf "%s..%s", lo, hi }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

first=1
for c in $CONFIGS; do
  nginx_start "$c"
  [ $first = 1 ] || say ""
  first=0
  case $c in
    ret200) say "== attach: nginx under ab -n $N -c 50, $ROUNDS interleaved rounds ($(nproc) CPUs, $(uname -r))" ;;
    static) say "== attach: nginx, static file ($(stat -c %s "$W/ng-static/html/index.html") bytes, sendfile, GET /index.html), under ab -n $N -c 50, $ROUNDS interleaved rounds ($(nproc) CPUs, $(uname -r))" ;;
  esac
  R="$W/ng-$c/ab"
  for r in $(seq "$ROUNDS"); do
    for m in $MODES; do
      start_tracer "$m"
      ab -q -n "$N" -c 50 "$URL" > "$W/ab.out" 2>/dev/null
      rps=$(awk '/Requests per second/ {print $4}' "$W/ab.out")
      failed=$(awk '/Failed requests/ {print $3}' "$W/ab.out")
      stop_tracer
      echo "${rps:-NA}" >> "$R.$m"
      [ "${failed:-0}" = 0 ] || say "round $r $m: failed requests"
    done
    printf '.' >&2
  done
  echo >&2
  U=$(med "$R.untraced")
  printf '%-46s %12s %18s %10s\n' mode "req/s" "(min..max)" "x untraced" | tee -a "$W/report.txt"
  for m in $MODES; do
    printf '%-46s %12s %18s %10s\n' "$(label "$m")" "$(med "$R.$m")" "($(range "$R.$m"))" \
      "$(ratio "$(med "$R.$m")" "$U")" | tee -a "$W/report.txt"
  done
  say "targets: perf (all) / strace -f -p = $(ratio "$(med "$R.perf")" "$(med "$R.strace")") (>= 3);" \
    "perf --only accept4 / untraced = $(ratio "$(med "$R.perf1")" "$U") (>= 0.90);" \
    "--stop / strace -p = $(ratio "$(med "$R.stop")" "$(med "$R.strace")") all calls," \
    "$(ratio "$(med "$R.stop1")" "$(med "$R.strace1")") accept4 (>= 1)"
  kill -QUIT "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; NGINX_PID=
done

[ "${DD:-1}" = 0 ] && exit 0
say ""
say "== attach --all: dd bs=64 count=$DD_N (not traced) alone and beside a machine-wide tracer, $ROUNDS rounds"
dd_time() { /usr/bin/time -f %e dd if=/dev/zero of=/dev/null bs=64 count="$DD_N" 2>&1 >/dev/null | tail -1; }
DMODES="alone all"
[ $PERF_TRACE = 1 ] && DMODES="$DMODES perfall"
for r in $(seq "$ROUNDS"); do
  for m in $DMODES; do
    case $m in
      alone) TRACER_PID= ;;
      all) "$MS" attach --all --only openat -o /dev/null 2>/dev/null & TRACER_PID=$!; sleep 1 ;;
      perfall) perf trace -a -e openat -o /dev/null 2>/dev/null & TRACER_PID=$!; sleep 1 ;;
    esac
    dd_time >> "$W/dd.$m"
    if [ -n "$TRACER_PID" ]; then kill -INT "$TRACER_PID"; wait "$TRACER_PID" 2>/dev/null; TRACER_PID=; fi
  done
done
A=$(med "$W/dd.alone")
printf '%-46s %10s %16s %10s\n' mode seconds "(min..max)" "x alone" | tee -a "$W/report.txt"
for m in $DMODES; do
  case $m in
    alone) l="dd alone" ;; all) l="beside my-sysdig attach --all --only openat" ;;
    perfall) l="beside perf trace -a -e openat" ;;
  esac
  printf '%-46s %10s %16s %10s\n' "$l" "$(med "$W/dd.$m")" "($(range "$W/dd.$m"))" \
    "$(ratio "$(med "$W/dd.$m")" "$A")" | tee -a "$W/report.txt"
done
