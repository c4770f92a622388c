#!/usr/bin/env bash
# Installs what building and testing my-sysdig needs on Debian 12 (bookworm):
# libseccomp to link against, and the real programs the tests and benchmarks
# run (strace as the oracle, nginx + ab, python3, coreutils; on x86_64 the i686
# cross compiler for a 32-bit test program; runc and busybox-static for the
# container agent's tests, which build busybox bundles).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS="libseccomp-dev pkg-config gcc strace nginx apache2-utils python3 coreutils procps runc busybox-static"
# x86_64: a cross compiler for the static 32-bit program tests/compat.rs traces.
[ "$(uname -m)" = x86_64 ] && PKGS="$PKGS gcc-i686-linux-gnu libc6-dev-i386-cross"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "install-deps: ok ($PKGS)"
