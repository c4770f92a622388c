#!/usr/bin/env bash
# bench/run.sh: my-sysdig's benchmarks, in one command.
#
#   bench/run.sh [--quick] [--parts LIST] [--rounds R] [--keep]
#
#   --quick        fewer calls, requests and rounds (1.5-2.5 minutes on 2 vCPUs;
#                  the full run takes 8-25 minutes, depending on the host)
#   --parts LIST   comma-separated subset of: floor,micro,inject,placement,nginx,nginx-static,
#                  records,capture,rss
#                  (default: all)
#   --rounds R     rounds of the interleaved parts (default 9, --quick 3; placement: at most 5)
#   --keep         keep the work directory (raw numbers, records, ab and nginx logs)
#
# It builds the release binaries (`cargo build --release`; CARGO_TARGET_DIR is honoured)
# and bench/loop.c (gcc -O2), then runs, in interleaved rounds (every mode once, then
# every mode again, R times), and prints tables of medians and ratios:
#
#   floor    the C floor of every kernel mechanism, from ../shared/floor/run.sh (or
#            $FLOOR) when it exists (a reference outside the repo; skipped when absent).
#            Its floor.c is also built and its notif-sync-mem and trace-exit modes run in
#            the micro-loop rounds, interleaved: they are the reference of "x floor".
#   micro    bench/loop: N raw getppid and N raw 64-byte reads of /dev/zero, timed inside
#            the program (ns per call, start-up excluded): untraced; my-sysdig --only
#            getpid (the filter and getpid's own exit event), --only getpid,gettid (the
#            raw exit event, filtered), --only getpid --exit-via ptrace (the filter alone):
#            what untraced calls pay; --only the call --no-ret; --exit-via perf; --exit-via
#            ptrace; default mode; all calls traced (--no-ret and default); strace -f;
#            strace -f --seccomp-bpf; the C floor; and the floor, --no-ret, default and
#            strace pinned to CPU 0. The --no-ret, perf and default modes run twice, with
#            the records to -o FILE (text) and to a capture (-w FILE, alone): "-w / -o"
#            lines give the median per-round ratio of each pair (issue 16's cost target).
#   inject   fault injection (issue 18): the getppid loop with every call failed with EPERM
#            by `my-sysdig --no-ret --inject getppid:error=EPERM` (the notification's answer:
#            the call never runs), beside plain `--only getppid --no-ret` (the notification
#            with CONTINUE) and `strace -f --inject=getppid:error=EPERM` (ptrace), interleaved;
#            ratios inject/notif (target <= 1.2) and strace/inject (target >= 3).
#   placement  the getppid loop under --exit-via ptrace, --no-ret and strace -f with the tracer
#            and the tracee pinned to the same CPU, to different CPUs, or not at all: what
#            the cross-CPU wake-up costs each mechanism on this machine.
#   nginx    nginx, 2 workers, `return 200`, on 127.0.0.1 (a free port), ab -n 10000 -c 50
#            without and with -k, untraced and under each tracer mode; requests/s and
#            ratio to untraced. Records go to a file in the work directory (-o FILE);
#            the all --no-ret, all default and perf (-s 0) rows also run with -w FILE
#            instead, and "-w / -o" lines give the per-round ratio of each pair. "perf /
#            --no-ret bound": the perf row (--only accept4,close,writev -s 0) over the same
#            with --no-ret, per round (issue 20's target: >= 0.95).
#   nginx-static  the same nginx serving a static file (sendfile on; GET /index.html, a
#            small file written into the nginx prefix: accept4, recvfrom, openat, newfstatat,
#            writev, sendfile, close x2 per request), in rounds of its own: untraced;
#            --only accept4,close,writev -s 0 with --exit-via perf, with --no-ret (the
#            bound) and with --exit-via ptrace; strace -f --seccomp-bpf -e trace=accept4;
#            --only accept4 (default mode). After the table, per round then median: perf
#            / --no-ret (target >= 0.95) and --only accept4's ratio to untraced over
#            strace's (target >= 1.15). Records go to a file in the work directory.
#   records  bench/loop fully traced: getppid with --no-ret, read64 in default mode, in
#            the text, json and strace formats and as a capture (-w FILE alone): bytes
#            per record, records per second, and the supervisor's CPU time per record.
#            Then `my-sysdig read CAP --format text|json|strace -o /dev/null` on the
#            captures of the last round, timed (whole command), in rounds: records/s.
#   capture  capture sizes on real workloads: python3 with 4 threads writing a file,
#            a shell loop of coreutils (cat, ls; CAP_SH_N iterations) and nginx under
#            ab -n CAP_AB_N (all calls, default mode). For each, one run of
#            `exec -w CAP -o TEXT --format text` and one with json: records, capture
#            bytes/record, text and JSON bytes/record, text/capture and json/capture
#            (same run), whether `read CAP` gives TEXT again byte for byte, and read's
#            records/s. Then the same with --format strace (its capture holds ENTER
#            entries too, so it is reported apart). One run each: sizes barely vary.
#   rss      peak RSS (VmHWM) of my-sysdig tracing nginx under ab load (100k requests,
#            10k with --quick), everything traced, default mode and --no-ret; checks
#            that every accepted connection has its accept4 record.
#
# Modes that need `--exit-via` are listed but skipped, with a note, while
# `my-sysdig exec --help` does not mention it.
# Needs: cargo, gcc, strace, nginx, ab (apache2-utils), python3, curl, taskset; /usr/bin/time
# for the supervisor CPU column. Measured as root (as a user, nginx warns that it cannot
# switch user, and runs).
# Knobs (environment): MICRO_N, MICRO_FAST_N, NGINX_N, NGINX_NK (requests with -k), RSS_N, REC_N,
# REC_READ_N, CAP_AB_N, CAP_SH_N, FLOOR (path of the floor's run.sh), MICRO_MODES, NGINX_MODES and
# NGINX_STATIC_MODES (subsets of the mode names in this script, e.g. NGINX_MODES="untraced filter";
# ratios need "untraced"; nginx-static's modes are any of NGINX_MODES's and selptrace, acc1, acc1perf, straceb1).
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QUICK=0
PARTS=floor,micro,inject,placement,nginx,nginx-static,records,capture,rss
ROUNDS=
KEEP=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --parts) PARTS=${2:?--parts needs a list}; shift ;;
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$ROUNDS" ] && ! [[ $ROUNDS =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/run.sh: --rounds: not a positive number" >&2; exit 2
fi

if [ $QUICK = 1 ]; then
  : "${ROUNDS:=3}" "${MICRO_N:=5000}" "${NGINX_N:=10000}" "${NGINX_NK:=10000}" "${RSS_N:=10000}"
  : "${REC_N:=50000}" "${REC_READ_N:=5000}" "${FLOOR_N:=5000}" "${FLOOR_R:=3}"
  : "${CAP_AB_N:=2000}" "${CAP_SH_N:=50}"
else
  : "${ROUNDS:=9}" "${MICRO_N:=10000}" "${NGINX_N:=10000}" "${NGINX_NK:=10000}" "${RSS_N:=100000}"
  : "${REC_N:=200000}" "${REC_READ_N:=20000}" "${FLOOR_N:=10000}" "${FLOOR_R:=5}"
  : "${CAP_AB_N:=10000}" "${CAP_SH_N:=200}"
fi
CONC=50
# untraced calls cost ~0.2 us: the modes that trace none of the loop's calls run longer loops
: "${MICRO_FAST_N:=$((MICRO_N * 20 > 200000 ? MICRO_N * 20 : 200000))}"
has_part() { case ",$PARTS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

W=$(mktemp -d "${TMPDIR:-/tmp}/my-sysdig-bench.XXXXXX")
REPORT=$W/report.txt
CUR_PID=    # the background server (tracer or nginx), leader of its own process group
cleanup() {
  if [ -n "$CUR_PID" ] && kill -0 "$CUR_PID" 2>/dev/null; then
    [ -s "$W/ng/nginx.pid" ] && kill -QUIT "$(cat "$W/ng/nginx.pid")" 2>/dev/null
    sleep 1
    kill -KILL -- "-$CUR_PID" 2>/dev/null
    wait "$CUR_PID" 2>/dev/null
  fi
  if [ $KEEP = 1 ]; then echo "work directory kept: $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" | tee -a "$REPORT"; }
note() { printf 'note: %s\n' "$*" | tee -a "$REPORT" >&2; }

# --- statistics -------------------------------------------------------------------
# median/min/max of the numbers in a file (one per line; NA lines ignored)
stats() { # FILE -> "median min max count" or "NA NA NA 0"
  [ -f "$1" ] || { echo "NA NA NA 0"; return; }
  grep -E '^[0-9.]+$' "$1" | sort -g | awk '{a[NR]=$1} END {
    if (NR == 0) { print "NA NA NA 0"; exit }
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    print m, a[1], a[NR], NR }'
}
med() { stats "$1" | cut -d' ' -f1; }
# a / b with 2 decimals, NA when either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
# pratio FILE_A FILE_B: median over rounds of A_i / B_i (line i of each file is round i):
# each ratio pairs runs made moments apart, so a machine that drifts between rounds does not
# bias it. "-" when no round has both numbers.
pratio() {
  if [ ! -f "$1" ] || [ ! -f "$2" ]; then echo -; return; fi
  paste -d' ' "$1" "$2" | awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $2 > 0 { print $1 / $2 }' |
    sort -g | awk '{a[NR]=$1} END { if (NR == 0) { print "-"; exit }
      printf "%.2f\n", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'
}
# min..max of the per-round ratios
pratio_range() {
  if [ ! -f "$1" ] || [ ! -f "$2" ]; then echo -; return; fi
  paste -d' ' "$1" "$2" | awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $2 > 0 { print $1 / $2 }' |
    sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "-"; else printf "%.2f..%.2f\n", a[1], a[NR] }'
}
# integer, or NA
f0() { awk -v a="$1" 'BEGIN { if (a == "NA" || a == "") print "NA"; else printf "%.0f", a }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || a == "" || b == "") print "-"; else printf "%.0f", a - b }'; }

# --- build ------------------------------------------------------------------------
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
echo "building (cargo build --release, gcc bench/loop.c) ..." >&2
(cd "$ROOT" && cargo build --release --quiet) || { echo "bench/run.sh: cargo build failed" >&2; exit 1; }
MS=$TARGET/release/my-sysdig
LOOP=$W/loop
gcc -O2 -Wall -o "$LOOP" "$ROOT/bench/loop.c" || { echo "bench/run.sh: gcc failed" >&2; exit 1; }
for t in strace nginx ab python3 curl; do
  command -v $t >/dev/null || note "$t is not installed: the parts using it are skipped"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
EXIT_VIA=0
"$MS" exec --help 2>/dev/null | grep -q -- '--exit-via' && EXIT_VIA=1

say "# my-sysdig benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "# $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
say "# $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo 'no git'), rounds=$ROUNDS, $( [ $QUICK = 1 ] && echo quick || echo full)"
[ $EXIT_VIA = 1 ] || note "my-sysdig has no --exit-via: the perf/ptrace exit modes are skipped"

# --- floor ------------------------------------------------------------------------
# The C floor (../shared/floor/, a reference kept outside this repository): its run.sh
# gives every mechanism (part "floor"); its floor.c, built here, runs the two reference
# mechanisms inside the micro-loop rounds, interleaved with my-sysdig, for "x floor".
declare -A FLOOR_NS=()
FLOOR=${FLOOR:-}
if [ -z "$FLOOR" ]; then
  for f in "$ROOT/../shared/floor/run.sh" /work/shared/floor/run.sh; do
    [ -f "$f" ] && { FLOOR=$f; break; }
  done
fi
FLOORBIN=
if [ -n "$FLOOR" ] && [ -f "$(dirname "$FLOOR")/floor.c" ]; then
  gcc -O2 -Wall -Wno-unused-result -o "$W/floor" "$(dirname "$FLOOR")/floor.c" && FLOORBIN=$W/floor
fi
[ -n "$FLOORBIN" ] || note "no C floor (../shared/floor/ not found; set FLOOR=path/run.sh): floor rows and ratios are skipped"
if has_part floor && [ -n "$FLOOR" ] && [ -f "$FLOOR" ]; then
  for s in getppid read; do
    echo "floor: $FLOOR $FLOOR_N $FLOOR_R $s ..." >&2
    TMPDIR=$W sh "$FLOOR" "$FLOOR_N" "$FLOOR_R" "$s" > "$W/floor.$s.txt" 2>&1 ||
      note "the floor run for $s failed"
    while read -r mode ns _; do FLOOR_NS[$s.$mode]=$ns; done \
      < <(awk '/^# unpinned/ {on=1; next} /^#/ {on=0} on' "$W/floor.$s.txt")
    while read -r mode ns _; do FLOOR_NS[$s.pinned.$mode]=$ns; done \
      < <(awk '/^# taskset/ {on=1; next} /^#/ {on=0} on' "$W/floor.$s.txt")
  done
  say ""
  say "## C floor: $FLOOR $FLOOR_N $FLOOR_R getppid|read (median ns per call; cpu0 = taskset -c 0)"
  say "$(printf '%-16s %10s %10s %14s %12s' mechanism getppid read 'getppid(cpu0)' 'read(cpu0)')"
  for m in base allow notif notif-sync notif-mem notif-sync-mem notif-vm trace-entry trace-exit ptrace-syscall strace strace-bpf; do
    say "$(printf '%-16s %10s %10s %14s %12s' "$m" "${FLOOR_NS[getppid.$m]:-NA}" "${FLOOR_NS[read.$m]:-NA}" \
      "${FLOOR_NS[getppid.pinned.$m]:-NA}" "${FLOOR_NS[read.pinned.$m]:-NA}")"
  done
fi

# --- micro-loops ------------------------------------------------------------------
ALL_MICRO_MODES="untraced filter filterraw filterptrace fnotif notif notifw perf perfw allnoret ftrace ptrace default defaultw alldefault strace straceb"
ALL_MICRO_MODES="$ALL_MICRO_MODES pin-fnotif pin-notif pin-ftrace pin-default pin-strace"
MICRO_MODES=${MICRO_MODES:-$ALL_MICRO_MODES}
micro_label() { # MODE CALL
  case $1 in
    untraced) echo "untraced" ;;
    filter) echo "my-sysdig --only getpid (own exit event)" ;;
    filterraw) echo "my-sysdig --only getpid,gettid (raw event)" ;;
    filterptrace) echo "my-sysdig --only getpid, no event (ptrace)" ;;
    fnotif) echo "C floor notif-sync-mem" ;;
    notif) echo "my-sysdig --only $2 --no-ret" ;;
    notifw) echo "  same, -w FILE (capture) instead of -o" ;;
    perf) echo "my-sysdig --only $2 --exit-via perf" ;;
    perfw) echo "  same, -w FILE (capture) instead of -o" ;;
    allnoret) echo "my-sysdig all --no-ret" ;;
    ftrace) echo "C floor trace-exit" ;;
    ptrace) echo "my-sysdig --only $2 --exit-via ptrace" ;;
    default) echo "my-sysdig --only $2 (default)" ;;
    defaultw) echo "  same, -w FILE (capture) instead of -o" ;;
    alldefault) echo "my-sysdig all (default)" ;;
    strace) echo "strace -f -e trace=$2" ;;
    straceb) echo "strace -f --seccomp-bpf -e trace=$2" ;;
    pin-*) echo "cpu0: $(micro_label "${1#pin-}" "$2")" ;;
  esac
}
# the interleaved floor mode a mode is held to
micro_floor() {
  case $1 in
    pin-*) f=$(micro_floor "${1#pin-}"); [ -n "$f" ] && echo "pin-$f" ;;
    notif|notifw|allnoret|perf|perfw) echo fnotif ;;
    ptrace|default|defaultw|alldefault|strace|straceb) echo ftrace ;;
    *) echo "" ;;
  esac
}
skip_mode() { # MODE -> 0 when it cannot run here
  case ${1#pin-} in
    perf|perfw|ptrace|selperf|selperfw|selperftask|selptrace|filterptrace|filterraw) [ $EXIT_VIA = 0 ] ;;
    strace*) ! command -v strace >/dev/null ;;
    fnotif|ftrace) [ -z "$FLOORBIN" ] ;;
    *) return 1 ;;
  esac
}
run_micro() { # MODE LOOP CALL -> ns per call on stdout (nothing on failure)
  local mode=$1 loop=$2 call=$3 out=$W/micro.rec cap=$W/micro.cap cmd pin=()
  case $mode in pin-*) pin=(taskset -c 0); mode=${mode#pin-} ;; esac
  case $mode in
    untraced) cmd=("$LOOP" "$loop" "$MICRO_FAST_N") ;;
    filter) cmd=("$MS" exec --only getpid -o "$out" -- "$LOOP" "$loop" "$MICRO_FAST_N") ;;
    filterraw) cmd=("$MS" exec --only "getpid,gettid" -o "$out" -- "$LOOP" "$loop" "$MICRO_FAST_N") ;;
    filterptrace) cmd=("$MS" exec --only getpid --exit-via ptrace -o "$out" -- "$LOOP" "$loop" "$MICRO_FAST_N") ;;
    fnotif) cmd=("$FLOORBIN" notif-sync-mem "$MICRO_N" "$call") ;;
    ftrace) cmd=("$FLOORBIN" trace-exit "$MICRO_N" "$call") ;;
    notif) cmd=("$MS" exec --only "$call" --no-ret -o "$out" -- "$LOOP" "$loop" "$MICRO_N") ;;
    notifw) cmd=("$MS" exec --only "$call" --no-ret -w "$cap" -- "$LOOP" "$loop" "$MICRO_N") ;;
    perf) cmd=("$MS" exec --only "$call" --exit-via perf -o "$out" -- "$LOOP" "$loop" "$MICRO_N") ;;
    perfw) cmd=("$MS" exec --only "$call" --exit-via perf -w "$cap" -- "$LOOP" "$loop" "$MICRO_N") ;;
    ptrace) cmd=("$MS" exec --only "$call" --exit-via ptrace -o "$out" -- "$LOOP" "$loop" "$MICRO_N") ;;
    default) cmd=("$MS" exec --only "$call" -o "$out" -- "$LOOP" "$loop" "$MICRO_N") ;;
    defaultw) cmd=("$MS" exec --only "$call" -w "$cap" -- "$LOOP" "$loop" "$MICRO_N") ;;
    allnoret) cmd=("$MS" exec --no-ret -o "$out" -- "$LOOP" "$loop" "$MICRO_N") ;;
    alldefault) cmd=("$MS" exec -o "$out" -- "$LOOP" "$loop" "$MICRO_N") ;;
    strace) cmd=(strace -f -qq -o /dev/null -e "trace=$call" "$LOOP" "$loop" "$MICRO_N") ;;
    straceb) cmd=(strace -f --seccomp-bpf -qq -o /dev/null -e "trace=$call" "$LOOP" "$loop" "$MICRO_N") ;;
  esac
  case $mode in
    fnotif|ftrace) "${pin[@]}" "${cmd[@]}" 2>>"$W/micro.err" | awk '{ print $3 }' ;;
    *) "${pin[@]}" "${cmd[@]}" 2>>"$W/micro.err" | sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p' ;;
  esac
}

if has_part micro; then
  echo "micro-loops: $ROUNDS rounds x N=$MICRO_N ..." >&2
  for r in $(seq "$ROUNDS"); do
    for mode in $MICRO_MODES; do
      skip_mode "$mode" && continue
      for loop in getppid read64; do
        call=getppid; [ $loop = read64 ] && call="read"
        v=$(run_micro "$mode" $loop $call)
        [ -n "$v" ] || { note "micro $mode $loop round $r failed (see $W/micro.err)"; v=NA; }
        echo "$v" >> "$W/micro.$loop.$mode"
      done
    done
    echo "  round $r/$ROUNDS done" >&2
  done
  for loop in getppid read64; do
    call=getppid; [ $loop = read64 ] && call="read"
    u=$(med "$W/micro.$loop.untraced")
    say ""
    say "## micro-loop: $loop, N=$MICRO_N calls per run (untraced and filter*: $MICRO_FAST_N), $ROUNDS interleaved rounds"
    say "$(printf '%-42s %9s %17s %9s %8s %9s %9s %8s' 'mode (ns per call)' median 'min..max' '+traced' 'x untr' 'strace/x' 'bpf/x' 'x floor')"
    for mode in $MICRO_MODES; do
      label=$(micro_label "$mode" $call)
      if skip_mode "$mode"; then
        say "$(printf '%-42s %9s' "$label" 'skipped')   (needs --exit-via, strace or the C floor)"
        continue
      fi
      read -r m lo hi n < <(stats "$W/micro.$loop.$mode")
      d=$W/micro.$loop
      f=$(micro_floor "$mode"); fx=-; [ -n "$f" ] && fx=$(pratio "$d.$mode" "$d.$f")
      over=-; [ "$mode" != untraced ] && over=$(sub "$m" "$u")
      rs=$(pratio "$d.strace" "$d.$mode"); rb=$(pratio "$d.straceb" "$d.$mode")
      case $mode in pin-*) rs=$(pratio "$d.pin-strace" "$d.$mode"); rb=- ;; esac
      say "$(printf '%-42s %9s %17s %9s %8s %9s %9s %8s' "$label" "$(f0 "$m")" "$(f0 "$lo")..$(f0 "$hi")" \
        "$over" "$(pratio "$d.$mode" "$d.untraced")" "$rs" "$rb" "$fx")"
    done
    say "  +traced: median minus untraced. Ratios are medians of per-round ratios. x untr: this / untraced."
    say "  strace/x, bpf/x: strace -f (--seccomp-bpf) / this: how many times faster (>1 = faster)."
    say "  x floor: this / the C floor run in the same round (--no-ret, perf: notif-sync-mem;"
    say "  ptrace modes, strace: trace-exit)."
    say "  cpu0 rows: everything pinned to CPU 0 (taskset -c 0); strace/x against strace pinned the same way,"
    say "  x floor against the pinned floor: the difference to the unpinned rows is the cross-CPU wake-up."
    wl='' d=$W/micro.$loop
    for pair in notif:--no-ret default:default perf:perf; do
      a=${pair%%:*}
      [ -f "$d.${a}w" ] && [ -f "$d.$a" ] &&
        wl="$wl  $(printf '%s %s (%s, +%s vs +%s ns)' "${pair#*:}" "$(pratio "$d.${a}w" "$d.$a")" "$(pratio_range "$d.${a}w" "$d.$a")" \
          "$(sub "$(med "$d.${a}w")" "$u")" "$(sub "$(med "$d.$a")" "$u")")"
    done
    [ -n "$wl" ] && say "  -w / -o per call (median of per-round ratios, range; <=1.00: -w costs no more):$wl"
  done
fi

# --- fault injection (issue 18) ----------------------------------------------------
if has_part inject; then
  echo "fault injection: $ROUNDS rounds x N=$MICRO_N getppid ..." >&2
  INJ_MODES="notif inject strace-inject"
  for r in $(seq "$ROUNDS"); do
    for mode in $INJ_MODES; do
      case $mode in
        notif) cmd=("$MS" exec --only getppid --no-ret -o "$W/inj.rec" -- "$LOOP" getppid "$MICRO_N") ;;
        inject) cmd=("$MS" exec --only getppid --no-ret --inject getppid:error=EPERM -o "$W/inj.rec" -- "$LOOP" getppid "$MICRO_N") ;;
        strace-inject)
          command -v strace >/dev/null || continue
          cmd=(strace -f -qq -o /dev/null --inject=getppid:error=EPERM "$LOOP" getppid "$MICRO_N") ;;
      esac
      v=$("${cmd[@]}" 2>>"$W/inj.err" | sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p')
      [ -n "$v" ] || { note "inject $mode round $r failed (see $W/inj.err)"; v=NA; }
      echo "$v" >> "$W/inj.$mode"
    done
    echo "  round $r/$ROUNDS done" >&2
  done
  say ""
  say "## fault injection: getppid loop, every call failed with EPERM, N=$MICRO_N, $ROUNDS interleaved rounds"
  say "$(printf '%-58s %9s %17s' 'mode (ns per call)' median 'min..max')"
  for mode in $INJ_MODES; do
    case $mode in
      notif) label="my-sysdig --only getppid --no-ret (CONTINUE, no injection)" ;;
      inject) label="my-sysdig --no-ret --inject getppid:error=EPERM" ;;
      strace-inject) label="strace -f --inject=getppid:error=EPERM" ;;
    esac
    read -r m lo hi n < <(stats "$W/inj.$mode")
    say "$(printf '%-58s %9s %17s' "$label" "$(f0 "$m")" "$(f0 "$lo")..$(f0 "$hi")")"
  done
  say "  inject / plain notification: $(pratio "$W/inj.inject" "$W/inj.notif") (per-round $(pratio_range "$W/inj.inject" "$W/inj.notif"); target <= 1.2)"
  say "  strace --inject / inject:     $(pratio "$W/inj.strace-inject" "$W/inj.inject") (per-round $(pratio_range "$W/inj.strace-inject" "$W/inj.inject"); target >= 3)"
fi

# --- placement: where tracer and tracee run ----------------------------------------
# In a VM, waking a task on the other vCPU costs tens of microseconds. The kernel keeps a
# USER_NOTIF pair on one CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP); nothing does that for
# ptrace stops. These runs pin the tracer and the tracee separately (taskset on the tracer,
# and taskset exec'd under it for the tracee) to show what placement alone costs.
PLACEMENTS="free/free cpu0/cpu0 cpu0/cpu1 free/cpu0 cpu0/free"
PLACE_TRACERS="ptrace notif strace"
run_place() { # TRACER PLACEMENT -> ns per call
  local tr=$1 tpin=${2%/*} epin=${2#*/} cmd pre=() inner=()
  [ "$tpin" = cpu0 ] && pre=(taskset -c 0)
  # "free" resets the affinity the tracee would inherit from a pinned tracer
  case $epin in cpu0) inner=(taskset -c 0) ;; cpu1) inner=(taskset -c 1) ;; *) inner=(taskset -c "0-$(( $(nproc) - 1 ))") ;; esac
  case $tr in
    ptrace) cmd=("$MS" exec --only getppid --exit-via ptrace -o "$W/place.rec" --) ;;
    notif) cmd=("$MS" exec --only getppid --no-ret -o "$W/place.rec" --) ;;
    strace) cmd=(strace -f -qq -o /dev/null -e trace=getppid) ;;
  esac
  "${pre[@]}" "${cmd[@]}" "${inner[@]}" "$LOOP" getppid "$MICRO_N" 2>>"$W/place.err" |
    sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p'
}
if has_part placement && [ "$(nproc)" -ge 2 ]; then
  PR=$(( ROUNDS < 5 ? ROUNDS : 5 ))
  echo "placement: $PR rounds x N=$MICRO_N ..." >&2
  for r in $(seq "$PR"); do
    for pl in $PLACEMENTS; do
      for tr in $PLACE_TRACERS; do
        [ "$tr" = strace ] && ! command -v strace >/dev/null && continue
        v=$(run_place "$tr" "$pl"); echo "${v:-NA}" >> "$W/place.$tr.${pl/\//-}"
      done
    done
  done
  say ""
  say "## placement: getppid loop, N=$MICRO_N, $PR interleaved rounds: median ns per call"
  say "$(printf '%-22s %18s %14s %18s' 'tracer/tracee CPU' '--exit-via ptrace' '--no-ret' 'strace -f')"
  for pl in $PLACEMENTS; do
    say "$(printf '%-22s %18s %14s %18s' "$pl" "$(f0 "$(med "$W/place.ptrace.${pl/\//-}")")" \
      "$(f0 "$(med "$W/place.notif.${pl/\//-}")")" "$(f0 "$(med "$W/place.strace.${pl/\//-}")")")"
  done
  say "  free: all CPUs; cpuN: taskset -c N. The tracee's affinity is set by taskset exec'd under the tracer."
fi

# --- nginx ------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# ng_conf DIR PORT [CONF]: CONF ret200 (default): `location / { return 200 ... }`;
# static: sendfile on, $DIR/html/index.html (a small file) served from disk, fetched as
# /index.html (per request: accept4, recvfrom, openat, newfstatat, writev (headers),
# sendfile, close x2). Sets NG_URI, the path that ab and the start-up probe request.
# Run as root, the static configuration keeps the workers root (`user root;`): the default
# worker user (nobody) cannot reach the file inside the work directory (mode 700).
ng_conf() {
  local site='location / { return 200 "hello from nginx under my-sysdig bench\n"; }' usr=''
  NG_URI=/
  mkdir -p "$1"
  if [ "${3:-ret200}" = static ]; then
    mkdir -p "$1/html"
    { echo '<!DOCTYPE html>'
      echo '<html><head><title>my-sysdig bench</title></head><body>'
      for i in $(seq 8); do echo "<p>static file served by nginx under my-sysdig bench, line $i</p>"; done
      echo '</body></html>'; } > "$1/html/index.html"
    site="sendfile on; default_type text/html; root $1/html; location / { }"
    [ "$(id -u)" = 0 ] && usr='user root;'
    NG_URI=/index.html
  fi
  cat > "$1/nginx.conf" <<EOF
$usr
worker_processes 2;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  server {
    listen 127.0.0.1:$2;
    $site
  }
}
EOF
}
NG_SEL=accept4,close,writev
NG_URI=/    # set by ng_conf
NGINX_MODES=${NGINX_MODES:-untraced filter filterptrace seldefault selnoret selnoret0 selperf selperfw selperftask allnoret allnoretw alldefault alldefaultw strace1 strace3 straceb3 straceall}
# part nginx-static: the perf row, its bound and the ptrace path on the same calls; one call,
# accept4, in the default mode beside strace --seccomp-bpf
NGINX_STATIC_MODES=${NGINX_STATIC_MODES:-untraced selperf selnoret0 selptrace straceb1 acc1 acc1perf}
ng_label() {
  case $1 in
    untraced) echo "untraced" ;;
    filter) echo "my-sysdig --only getppid (filter)" ;;
    filterptrace) echo "my-sysdig --only getppid --exit-via ptrace (no perf event)" ;;
    seldefault) echo "my-sysdig --only $NG_SEL" ;;
    selnoret) echo "my-sysdig --only $NG_SEL --no-ret" ;;
    selnoret0) echo "my-sysdig --only $NG_SEL -s 0 --no-ret" ;;
    selperf) echo "my-sysdig --only $NG_SEL -s 0 --exit-via perf" ;;
    selperfw) echo "  same, -w FILE (capture) instead of -o" ;;
    selperftask) echo "  same as perf -o, MY_SYSDIG_PERF_SCOPE=task" ;;
    allnoret) echo "my-sysdig all --no-ret" ;;
    allnoretw) echo "  same, -w FILE (capture) instead of -o" ;;
    alldefault) echo "my-sysdig all (default)" ;;
    alldefaultw) echo "  same, -w FILE (capture) instead of -o" ;;
    strace1) echo "strace -f -e trace=accept4" ;;
    strace3) echo "strace -f -e trace=$NG_SEL" ;;
    straceb3) echo "strace -f --seccomp-bpf -e trace=$NG_SEL" ;;
    straceall) echo "strace -f (all)" ;;
    selptrace) echo "my-sysdig --only $NG_SEL -s 0 --exit-via ptrace" ;;
    acc1) echo "my-sysdig --only accept4 (default)" ;;
    acc1perf) echo "my-sysdig --only accept4 --exit-via perf" ;;
    straceb1) echo "strace -f --seccomp-bpf -e trace=accept4" ;;
  esac
}
# ng_start MODE RECFILE [CONF]: starts nginx (under MODE) in $W/ng with ng_conf's CONF
# (default ret200), sets CUR_PID, PORT and NG_URI.
# The -w modes write the capture to RECFILE.cap; the cap* modes (part capture) write
# both RECFILE (-o, in their format) and RECFILE.cap.
ng_start() {
  local mode=$1 rec=$2 d=$W/ng cmd
  rm -rf "$d"; PORT=$(free_port); ng_conf "$d" "$PORT" "${3:-ret200}"
  local ng=("$NGINX" -p "$d" -c "$d/nginx.conf")
  case $mode in
    untraced) cmd=("${ng[@]}") ;;
    filter) cmd=("$MS" exec --only getppid -o "$rec" -- "${ng[@]}") ;;
    filterptrace) cmd=("$MS" exec --only getppid --exit-via ptrace -o "$rec" -- "${ng[@]}") ;;
    seldefault) cmd=("$MS" exec --only "$NG_SEL" -o "$rec" -- "${ng[@]}") ;;
    selnoret) cmd=("$MS" exec --only "$NG_SEL" --no-ret -o "$rec" -- "${ng[@]}") ;;
    selnoret0) cmd=("$MS" exec --only "$NG_SEL" -s 0 --no-ret -o "$rec" -- "${ng[@]}") ;;
    selperf) cmd=("$MS" exec --only "$NG_SEL" -s 0 --exit-via perf -o "$rec" -- "${ng[@]}") ;;
    selperfw) cmd=("$MS" exec --only "$NG_SEL" -s 0 --exit-via perf -w "$rec.cap" -- "${ng[@]}") ;;
    selptrace) cmd=("$MS" exec --only "$NG_SEL" -s 0 --exit-via ptrace -o "$rec" -- "${ng[@]}") ;;
    acc1) cmd=("$MS" exec --only accept4 -o "$rec" -- "${ng[@]}") ;;
    acc1perf) cmd=("$MS" exec --only accept4 --exit-via perf -o "$rec" -- "${ng[@]}") ;;
    selperftask) cmd=(env MY_SYSDIG_PERF_SCOPE=task "$MS" exec --only "$NG_SEL" -s 0 --exit-via perf -o "$rec" -- "${ng[@]}") ;;
    allnoret) cmd=("$MS" exec --no-ret -o "$rec" -- "${ng[@]}") ;;
    allnoretw) cmd=("$MS" exec --no-ret -w "$rec.cap" -- "${ng[@]}") ;;
    alldefault) cmd=("$MS" exec -o "$rec" -- "${ng[@]}") ;;
    alldefaultw) cmd=("$MS" exec -w "$rec.cap" -- "${ng[@]}") ;;
    cap-text|cap-json|cap-strace) cmd=("$MS" exec -w "$rec.cap" -o "$rec" --format "${mode#cap-}" -- "${ng[@]}") ;;
    strace1) cmd=(strace -f -qq -o /dev/null -e trace=accept4 "${ng[@]}") ;;
    strace3) cmd=(strace -f -qq -o /dev/null -e trace="$NG_SEL" "${ng[@]}") ;;
    straceb3) cmd=(strace -f --seccomp-bpf -qq -o /dev/null -e trace="$NG_SEL" "${ng[@]}") ;;
    straceb1) cmd=(strace -f --seccomp-bpf -qq -o /dev/null -e trace=accept4 "${ng[@]}") ;;
    straceall) cmd=(strace -f -qq -o /dev/null "${ng[@]}") ;;
  esac
  # its own process group, so that cleanup can kill the whole tree
  setsid "${cmd[@]}" </dev/null >>"$W/nginx.out" 2>&1 &
  CUR_PID=$!
  for _ in $(seq 300); do
    if [ -s "$d/nginx.pid" ] && curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT$NG_URI"; then
      return 0
    fi
    kill -0 "$CUR_PID" 2>/dev/null || break
    sleep 0.1
  done
  note "nginx ($mode) did not start (see $W/nginx.out, $d/error.log: $(tail -n 1 "$d/error.log" 2>/dev/null | cut -c1-160))"
  ng_stop
  return 1
}
# ng_stop: SIGQUIT to the master (graceful), wait for the tracer; SIGKILL the group after 30 s
ng_stop() {
  [ -n "$CUR_PID" ] || return 0
  local d=$W/ng
  [ -s "$d/nginx.pid" ] && kill -QUIT "$(cat "$d/nginx.pid")" 2>/dev/null
  for _ in $(seq 300); do
    kill -0 "$CUR_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$CUR_PID" 2>/dev/null; then
    note "nginx did not stop on SIGQUIT within 30 s: killed"
    kill -KILL -- "-$CUR_PID" 2>/dev/null
  fi
  wait "$CUR_PID" 2>/dev/null
  CUR_PID=
}
# ab_run N [-k] -> requests/s on stdout; failures noted
ab_run() {
  local n=$1 k=${2:-} out=$W/ab.out
  ab -q -r ${k:+"$k"} -n "$n" -c $CONC "http://127.0.0.1:$PORT$NG_URI" > "$out" 2>&1
  local failed; failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' "$out")
  [ "${failed:-0}" = 0 ] || note "ab $k: $failed failed requests"
  local non2xx; non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' "$out")
  [ "${non2xx:-0}" = 0 ] || note "ab $k: $non2xx non-2xx responses ($NG_URI)"
  sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$out"
}

# ng_rounds CONF PREFIX MODES: ROUNDS interleaved rounds of MODES on ng_conf's CONF; per mode,
# ab_run's requests/s appended to PREFIX.close.MODE (ab -n NGINX_N) and PREFIX.keep.MODE (-k,
# -n NGINX_NK), one line per round (NA when the run failed). Records to PREFIX.rec (-o).
ng_rounds() {
  local conf=$1 base=$2 modes=$3 r mode v
  for r in $(seq "$ROUNDS"); do
    for mode in $modes; do
      skip_mode "$mode" && continue
      if ng_start "$mode" "$base.rec" "$conf"; then
        ab_run 500 > /dev/null                    # warm-up: workers, caches
        v=$(ab_run "$NGINX_N"); echo "${v:-NA}" >> "$base.close.$mode"
        v=$(ab_run "$NGINX_NK" -k); echo "${v:-NA}" >> "$base.keep.$mode"
        ng_stop
      else
        echo NA >> "$base.close.$mode"; echo NA >> "$base.keep.$mode"
      fi
    done
    echo "  round $r/$ROUNDS done" >&2
  done
}
# ng_table PREFIX MODES: one row per mode, requests/s and ratio to untraced, both columns
ng_table() {
  local n=$1 modes=$2 mode label
  say "$(printf '%-62s %9s %6s %11s   %9s %6s %11s' mode "close" ratio 'ratio range' "keepalive" ratio 'ratio range')"
  say "$(printf '%-62s %9s %6s %11s   %9s %6s %11s' "" "-n $NGINX_N" '' '' "-n $NGINX_NK" '' '')"
  for mode in $modes; do
    label=$(ng_label "$mode")
    if skip_mode "$mode"; then say "$(printf '%-62s %9s' "$label" skipped)"; continue; fi
    say "$(printf '%-62s %9s %6s %11s   %9s %6s %11s' "$label" \
      "$(f0 "$(med "$n.close.$mode")")" "$(pratio "$n.close.$mode" "$n.close.untraced")" "$(pratio_range "$n.close.$mode" "$n.close.untraced")" \
      "$(f0 "$(med "$n.keep.$mode")")" "$(pratio "$n.keep.$mode" "$n.keep.untraced")" "$(pratio_range "$n.keep.$mode" "$n.keep.untraced")")"
  done
  say "  requests/s: median over rounds; ratio: median of the per-round ratios to untraced (range: min..max)."
}
# ng_derived PREFIX A B TEXT: "TEXT: close X (range), keepalive Y (range)", X the median of the
# per-round A/B (when both modes ran)
ng_derived() {
  local n=$1 a=$2 b=$3
  [ -f "$n.close.$a" ] && [ -f "$n.close.$b" ] || return 0
  say "  $4: close $(pratio "$n.close.$a" "$n.close.$b") ($(pratio_range "$n.close.$a" "$n.close.$b")), keepalive $(pratio "$n.keep.$a" "$n.keep.$b") ($(pratio_range "$n.keep.$a" "$n.keep.$b"))"
}
# the perf row over its bound, --no-ret (both -s 0): issue 20's target >= 0.95, on both configurations
ng_perf_bound() {
  ng_derived "$1" selperf selnoret0 "perf / --no-ret bound ($(ng_label selperf) over the -s 0 --no-ret row, per round; target >= 0.95)"
}

if has_part nginx; then
  if command -v nginx >/dev/null && command -v ab >/dev/null; then
    echo "nginx: $ROUNDS rounds, ab -n $NGINX_N (-k: -n $NGINX_NK) -c $CONC ..." >&2
    n=$W/nginx
    ng_rounds ret200 "$n" "$NGINX_MODES"
    say ""
    say "## nginx, 2 workers, \`return 200\`, ab -c $CONC, $ROUNDS interleaved rounds: requests/s and ratio to untraced"
    ng_table "$n" "$NGINX_MODES"
    [ -f "$n.close.allnoret" ] && [ -f "$n.close.straceall" ] &&
      say "  all --no-ret / strace -f (all): close $(pratio "$n.close.allnoret" "$n.close.straceall")x, keepalive $(pratio "$n.keep.allnoret" "$n.keep.straceall")x"
    [ -f "$n.close.seldefault" ] && [ -f "$n.close.straceb3" ] &&
      say "  --only $NG_SEL (default) / strace -f --seccomp-bpf, same calls: close $(pratio "$n.close.seldefault" "$n.close.straceb3")x, keepalive $(pratio "$n.keep.seldefault" "$n.keep.straceb3")x"
    ng_perf_bound "$n"
    wl=0
    for a in allnoret alldefault selperf; do
      [ -f "$n.close.${a}w" ] && [ -f "$n.close.$a" ] && wl=1 &&
        say "  -w / -o, $(ng_label $a): close $(pratio "$n.close.${a}w" "$n.close.$a") ($(pratio_range "$n.close.${a}w" "$n.close.$a")), keepalive $(pratio "$n.keep.${a}w" "$n.keep.$a") ($(pratio_range "$n.keep.${a}w" "$n.keep.$a"))"
    done
    [ $wl = 1 ] && say "  (-w / -o: requests/s with the capture over requests/s with text, per round; >=1.00: -w costs no more)"
  else
    note "nginx or ab missing: nginx part skipped"
  fi
fi

if has_part nginx-static; then
  if command -v nginx >/dev/null && command -v ab >/dev/null; then
    echo "nginx-static: $ROUNDS rounds, ab -n $NGINX_N (-k: -n $NGINX_NK) -c $CONC, GET /index.html ..." >&2
    n=$W/nginx-static
    ng_rounds static "$n" "$NGINX_STATIC_MODES"
    say ""
    say "## nginx, 2 workers, static file (sendfile on, GET /index.html, $(wc -c < "$W/ng/html/index.html" 2>/dev/null || echo '?') bytes), ab -c $CONC, $ROUNDS interleaved rounds:"
    say "## requests/s and ratio to untraced"
    ng_table "$n" "$NGINX_STATIC_MODES"
    say "  per request (close): accept4, recvfrom, openat, newfstatat, writev (headers), sendfile, close x2."
    ng_perf_bound "$n"
    ng_derived "$n" acc1 straceb1 "--only accept4 / strace --seccomp-bpf -e trace=accept4, i.e. (ours / untraced) / (strace's / untraced), per round; target >= 1.15 (close; with -k accept4 is rare)"
    ng_derived "$n" acc1perf straceb1 "--only accept4 --exit-via perf (no peer address: accept4's is memory written at exit, which auto reads at an exit stop, as strace does) / strace --seccomp-bpf -e trace=accept4, per round"
  else
    note "nginx or ab missing: nginx-static part skipped"
  fi
fi

# --- record throughput and size ---------------------------------------------------
# cap_records CAP -> the number of records in the capture (read --info), or NA
cap_records() {
  local n; n=$("$MS" read --info "$1" 2>/dev/null | sed -n 's/^records: *\([0-9]*\).*/\1/p')
  echo "${n:-NA}"
}
# time_read CAP FORMAT -> records/s of `read CAP --format FORMAT -o /dev/null` (whole command)
time_read() {
  local n t0 t1; n=$(cap_records "$1")
  t0=$(date +%s%N)
  "$MS" read "$1" --format "$2" -o /dev/null 2>>"$W/read.err" || { echo NA; return; }
  t1=$(date +%s%N)
  awk -v n="$n" -v t="$((t1 - t0))" 'BEGIN { if (n == "NA") print "NA"; else printf "%.0f\n", n / (t / 1e9) }'
}
REC_FMTS="text json strace cap"
if has_part records; then
  echo "records: $ROUNDS rounds, getppid $REC_N --no-ret and read64 $REC_READ_N default, 3 formats and -w ..." >&2
  for r in $(seq "$ROUNDS"); do
    for kind in getppid read64; do
      for fmt in $REC_FMTS; do
        rec=$W/rec.$kind.$fmt
        out=(--format "$fmt" -o "$rec"); [ "$fmt" = cap ] && out=(-w "$rec")
        if [ $kind = getppid ]; then
          cmd=("$MS" exec --no-ret "${out[@]}" -- "$LOOP" getppid "$REC_N" 0)
        else
          cmd=("$MS" exec --only read "${out[@]}" -- "$LOOP" read64 "$REC_READ_N" 0)
        fi
        t0=$(date +%s%N)
        if [ -x /usr/bin/time ]; then
          /usr/bin/time -f '%U %S' -o "$W/time.out" "${cmd[@]}" > "$W/loop.out" 2>>"$W/records.err"
        else
          "${cmd[@]}" > "$W/loop.out" 2>>"$W/records.err"; echo "NA NA" > "$W/time.out"
        fi
        t1=$(date +%s%N)
        lines=$(wc -l < "$rec"); bytes=$(wc -c < "$rec")
        [ "$fmt" = cap ] && lines=$(cap_records "$rec")
        loopcpu=$(sed -n 's/.*cpu_ns=\([0-9]*\).*/\1/p' "$W/loop.out")
        read -r ut stt < <(tail -n1 "$W/time.out")
        awk -v l="$lines" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f\n", l / (t / 1e9) }' >> "$W/recs.$kind.$fmt.rate"
        awk -v l="$lines" -v b="$bytes" 'BEGIN { printf "%.1f\n", b / l }' >> "$W/recs.$kind.$fmt.size"
        awk -v l="$lines" -v u="$ut" -v s="$stt" -v c="${loopcpu:-0}" \
          'BEGIN { if (u == "NA") print "NA"; else printf "%.0f\n", ((u + s) * 1e9 - c) / l }' >> "$W/recs.$kind.$fmt.cpu"
        echo "$lines" >> "$W/recs.$kind.$fmt.lines"
      done
    done
  done
  say ""
  say "## record throughput and size, $ROUNDS interleaved rounds (medians); records to a file"
  say "$(printf '%-52s %-7s %9s %10s %12s %12s' workload format records 'bytes/rec' 'records/s' 'sup.ns/rec')"
  for kind in getppid read64; do
    if [ $kind = getppid ]; then w="loop getppid $REC_N, all traced, --no-ret"; else w="loop read64 $REC_READ_N, --only read, default (ptrace)"; fi
    for fmt in $REC_FMTS; do
      say "$(printf '%-52s %-7s %9s %10s %12s %12s' "$w" "${fmt/cap/-w}" "$(med "$W/recs.$kind.$fmt.lines")" "$(med "$W/recs.$kind.$fmt.size")" \
        "$(med "$W/recs.$kind.$fmt.rate")" "$(med "$W/recs.$kind.$fmt.cpu")")"
    done
  done
  say "  records/s: records / wall time of the whole command (start-up included; the tracee's"
  say "  round trip bounds it). sup.ns/rec: CPU time of the process tree minus the loop's own, per"
  say "  record: the supervisor's cost (decode, format, write, and its side of the kernel round trip)."
  say "  -w: the capture alone (-w FILE, no -o); records from \`read --info\`; bytes/rec: file size / records."
  for kind in getppid read64; do
    say "  -w / text, $kind: records/s $(pratio "$W/recs.$kind.cap.rate" "$W/recs.$kind.text.rate") ($(pratio_range "$W/recs.$kind.cap.rate" "$W/recs.$kind.text.rate")," \
      "higher: -w faster), sup.ns/rec $(pratio "$W/recs.$kind.cap.cpu" "$W/recs.$kind.text.cpu") ($(pratio_range "$W/recs.$kind.cap.cpu" "$W/recs.$kind.text.cpu"), lower: -w cheaper)"
  done
  say "  example lines:"
  for fmt in text json strace; do say "    $fmt: $(tail -n1 "$W/rec.read64.$fmt" | cut -c1-150)"; done

  # read: the captures of the last round, rendered to /dev/null, in interleaved rounds
  echo "records: read, $ROUNDS rounds ..." >&2
  for r in $(seq "$ROUNDS"); do
    for kind in getppid read64; do
      [ -s "$W/rec.$kind.cap" ] || continue
      for fmt in text json strace; do
        time_read "$W/rec.$kind.cap" $fmt >> "$W/read.$kind.$fmt"
      done
    done
  done
  say ""
  say "## my-sysdig read CAP --format F -o /dev/null, the -w captures above, $ROUNDS interleaved rounds"
  say "$(printf '%-52s %9s %11s %-7s %12s %21s' capture records 'cap bytes' format 'records/s' 'min..max')"
  for kind in getppid read64; do
    [ -s "$W/rec.$kind.cap" ] || continue
    if [ $kind = getppid ]; then w="loop getppid $REC_N, all traced, --no-ret"; else w="loop read64 $REC_READ_N, --only read, default (ptrace)"; fi
    for fmt in text json strace; do
      read -r m lo hi _ < <(stats "$W/read.$kind.$fmt")
      say "$(printf '%-52s %9s %11s %-7s %12s %21s' "$w" "$(cap_records "$W/rec.$kind.cap")" "$(wc -c < "$W/rec.$kind.cap")" $fmt "$(f0 "$m")" "$(f0 "$lo")..$(f0 "$hi")")"
    done
  done
  say "  records/s: records / wall time of the whole command (start-up, header and decompression included)."
fi

# --- capture sizes on real workloads ---------------------------------------------
# python3 with four threads writing a file (tests/capture.rs's PYTHON)
CAP_PY='import threading, os, time, sys
def work(i):
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    for j in range(20):
        os.write(fd, b"thread %d line %d\n" % (i, j))
        time.sleep(0.001)
    os.close(fd)
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
'
CAP_SH="for i in \$(seq $CAP_SH_N); do cat /etc/hostname /etc/passwd >/dev/null; ls /usr/bin >/dev/null; done"
cap_label() {
  case $1 in
    py) echo "python3, 4 threads writing a file" ;;
    sh) echo "sh: $CAP_SH_N x (cat 2 files; ls /usr/bin)" ;;
    nginx) echo "nginx, ab -n $CAP_AB_N -c $CONC, all calls" ;;
  esac
}
# cap_run WORKLOAD FORMAT BASE: `exec -w BASE.cap -o BASE --format FORMAT -- WORKLOAD`
cap_run() {
  local wl=$1 fmt=$2 base=$3
  rm -f "$base" "$base.cap" "$W/cap.data"
  case $wl in
    py) "$MS" exec -w "$base.cap" -o "$base" --format "$fmt" -- python3 -c "$CAP_PY" "$W/cap.data" 2>>"$W/capture.err" ;;
    sh) "$MS" exec -w "$base.cap" -o "$base" --format "$fmt" -- sh -c "$CAP_SH" 2>>"$W/capture.err" ;;
    nginx)
      ng_start "cap-$fmt" "$base" || return 1
      ab_run "$CAP_AB_N" > /dev/null
      ng_stop ;;
  esac
}
# cap_enters CAP -> the number of ENTER entries (kind 3) in the capture (needs zstd), or NA
cap_enters() {
  command -v zstd >/dev/null || { echo NA; return; }
  zstd -qdc "$1" 2>/dev/null | python3 -c '
import sys
d = sys.stdin.buffer.read(); i = 0; n = 0
while i < len(d):
    k = d[i]; i += 1; ln = 0; sh = 0
    while True:
        x = d[i]; i += 1; ln |= (x & 0x7f) << sh; sh += 7
        if x < 0x80: break
    n += k == 3; i += ln
print(n)' 2>/dev/null || echo NA
}
if has_part capture; then
  CAP_WLS="py sh"
  command -v python3 >/dev/null || CAP_WLS="sh"
  if command -v nginx >/dev/null && command -v ab >/dev/null; then CAP_WLS="$CAP_WLS nginx"; else note "nginx or ab missing: no nginx capture"; fi
  echo "capture: $CAP_WLS, text, json and strace, one run each ..." >&2
  for wl in $CAP_WLS; do
    for fmt in text json strace; do
      cap_run "$wl" $fmt "$W/cap.$wl.$fmt" || note "capture run $wl $fmt failed"
    done
  done
  say ""
  say "## capture size on real workloads: exec -w CAP -o OUT --format text|json (one run each format)"
  say "$(printf '%-42s %8s %10s %8s %8s %8s %7s %7s %5s %10s' workload records 'cap bytes' 'cap B/r' 'text B/r' 'json B/r' 'text/w' 'json/w' same 'read rec/s')"
  for wl in $CAP_WLS; do
    t=$W/cap.$wl.text j=$W/cap.$wl.json
    if [ ! -s "$t.cap" ] || [ ! -s "$j.cap" ]; then
      say "$(printf '%-42s %8s' "$(cap_label "$wl")" failed)"; continue
    fi
    n=$(cap_records "$t.cap") nj=$(cap_records "$j.cap")
    cb=$(wc -c < "$t.cap") cbj=$(wc -c < "$j.cap") tb=$(wc -c < "$t") jb=$(wc -c < "$j")
    same=no
    "$MS" read "$t.cap" --format text -o "$W/cap.again" 2>>"$W/capture.err" && cmp -s "$t" "$W/cap.again" && same=yes
    rr=$(time_read "$t.cap" text)
    say "$(printf '%-42s %8s %10s %8s %8s %8s %7s %7s %5s %10s' "$(cap_label "$wl")" "$n" "$cb" "$(ratio "$cb" "$n")" \
      "$(ratio "$tb" "$n")" "$(ratio "$jb" "$nj")" "$(ratio "$tb" "$cb")" "$(ratio "$jb" "$cbj")" $same "$(f0 "$rr")")"
  done
  say "  records: RECORD entries of the text run's capture (read --info); cap B/r: its size / records;"
  say "  text B/r, json B/r: the -o file of the same run / its capture's records (the json run is a second"
  say "  run: its records and capture size differ a little); text/w, json/w: -o file size / capture size,"
  say "  same run (issue 16's targets: >= 5 and >= 10, cap B/r <= 20). same: read CAP --format text gives"
  say "  the live text byte for byte. read rec/s: read CAP --format text -o /dev/null, one run, whole command."
  say ""
  say "## the same, --format strace live (the capture also holds an ENTER entry per call shown unfinished)"
  say "$(printf '%-42s %8s %8s %10s %8s %10s %9s %5s' workload records ENTERs 'cap bytes' 'cap B/r' 'strace B/r' 'strace/w' same)"
  for wl in $CAP_WLS; do
    s=$W/cap.$wl.strace
    [ -s "$s.cap" ] || { say "$(printf '%-42s %8s' "$(cap_label "$wl")" failed)"; continue; }
    n=$(cap_records "$s.cap") cb=$(wc -c < "$s.cap") sb=$(wc -c < "$s")
    same=no
    "$MS" read "$s.cap" --format strace -o "$W/cap.again" 2>>"$W/capture.err" && cmp -s "$s" "$W/cap.again" && same=yes
    say "$(printf '%-42s %8s %8s %10s %8s %10s %9s %5s' "$(cap_label "$wl")" "$n" "$(cap_enters "$s.cap")" "$cb" "$(ratio "$cb" "$n")" "$(ratio "$sb" "$n")" "$(ratio "$sb" "$cb")" $same)"
  done
  say "  records: RECORD entries; ENTERs: ENTER entries (zstd -dc, entry kinds counted); cap B/r: capture"
  say "  size / records (ENTER bytes included); strace B/r: the -o file / records; strace/w: -o file / capture."
fi

# --- peak RSS ---------------------------------------------------------------------
if has_part rss; then
  if command -v nginx >/dev/null && command -v ab >/dev/null; then
    say ""
    say "## peak RSS of my-sysdig tracing nginx, ab -n $RSS_N -c $CONC (no keep-alive), everything traced"
    say "$(printf '%-34s %10s %10s %10s %12s %10s %14s' mode 'VmHWM MB' 'req/s' 'records' 'record MB' 'accepted' 'accept4 recs')"
    for mode in alldefault allnoret; do
      rec=$W/rss.rec
      rm -f "$rec"
      ng_start $mode "$rec" || continue
      v=$(ab_run "$RSS_N")
      acc=$(sed -n 's/^Complete requests: *\([0-9]*\).*/\1/p' "$W/ab.out")
      hwm=0
      h=$(awk '/^VmHWM/ {print $2}' "/proc/$CUR_PID/status" 2>/dev/null); [ -n "$h" ] && hwm=$h
      pid=$CUR_PID
      [ -s "$W/ng/nginx.pid" ] && kill -QUIT "$(cat "$W/ng/nginx.pid")"
      while kill -0 "$pid" 2>/dev/null; do     # keep sampling while it drains and exits
        h=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
        sleep 0.05
      done
      ng_stop
      lines=$(wc -l < "$rec"); mb=$(awk -v b="$(wc -c < "$rec")" 'BEGIN { printf "%.1f", b / 1048576 }')
      # successful accept4 records (text: ", accept4, ... res=N" with N >= 0)
      acc4=$(grep ', accept4, ' "$rec" | grep -vc 'res=-' || true)
      say "$(printf '%-34s %10s %10s %10s %12s %10s %14s' "$(ng_label "$mode")" "$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')" \
        "$(f0 "${v:-NA}")" "$lines" "$mb" "${acc:-?}" "$acc4")"
    done
    say "  accepted: ab's complete requests; accept4 recs: successful accept4 records (each request is"
    say "  one connection; the start-up probe adds one). With --no-ret, res is unknown"
    say "  and every accept4 entry counts, EAGAIN ones included."
  else
    note "nginx or ab missing: rss part skipped"
  fi
fi

say ""
say "# report: $( [ $KEEP = 1 ] && echo "$REPORT" || echo "(use --keep to keep $W)")"
