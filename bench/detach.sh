#!/usr/bin/env bash
# bench/detach.sh: how often `attach` fails to end on SIGINT right after a burst of load
# (issue 17; the --stop hang fixed in b092be6). nginx (2 workers, `return 200`) serves
# `ab -n 200 -c 2` while `my-sysdig attach [MODE] -f -p MASTER` is attached; SIGINT
# follows at once, and a run that has not ended 2 s later counts as a hang (then SIGKILL).
#
#   bench/detach.sh [--runs N] [--mode "--stop"|""] [--bin PATH]
#
# Needs: nginx, ab, root (perf mode) or ptrace rights (--stop).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=50
MODE=--stop
BIN=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--mode \"--stop\"|\"\"] [--bin PATH]" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then
  cargo build --release -q
  BIN=${CARGO_TARGET_DIR:-target}/release/my-sysdig
fi
W=$(mktemp -d /tmp/detach.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$W/logs"
cat > "$W/nginx.conf" <<EOF
worker_processes 2;
pid $W/nginx.pid;
error_log $W/logs/error.log warn;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $W/body; proxy_temp_path $W/proxy;
  fastcgi_temp_path $W/fcgi; uwsgi_temp_path $W/uwsgi; scgi_temp_path $W/scgi;
  server { listen 127.0.0.1:$PORT; location / { return 200 "hello\n"; } } }
EOF
/usr/sbin/nginx -p "$W" -c "$W/nginx.conf" -g 'daemon off;' &
NG=$!
trap 'kill -TERM $NG 2>/dev/null; wait $NG 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT))" 2>/dev/null && break
  sleep 0.05
done
hangs=0
for _ in $(seq "$RUNS"); do
  # shellcheck disable=SC2086
  "$BIN" attach $MODE -f -p "$NG" --only accept4,writev,close -o "$W/recs" 2>"$W/err" &
  T=$!
  sleep 0.3
  ab -q -n 200 -c 2 "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || true
  kill -INT "$T"
  for _ in $(seq 100); do kill -0 "$T" 2>/dev/null || break; sleep 0.02; done
  if kill -0 "$T" 2>/dev/null; then
    hangs=$((hangs + 1))
    kill -KILL "$T"
  fi
  wait "$T" 2>/dev/null || true
done
echo "attach ${MODE:-(perf)} -f: $hangs of $RUNS runs did not end within 2 s of SIGINT"
