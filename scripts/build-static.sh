#!/usr/bin/env bash
# Build static release binaries of my-sysdig and sysdig-test-helper for
# x86_64 and aarch64 into dist/<arch>/ (glibc and libseccomp linked statically),
# and each arch's 32-bit test program (dist/<arch>/prog32).
#
#   scripts/build-static.sh            # installs Debian packages as needed (root), builds both
#   SKIP_INSTALL=1 scripts/build-static.sh
#
# aarch64 uses Debian's rustc-web (/usr/bin/rustc) with libstd-rust-web-dev:arm64,
# because rustup cannot fetch another target's std here; x86_64 uses the usual rustc.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

if [ -z "${SKIP_INSTALL:-}" ]; then
    need=0
    for p in rustc-web libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
             libseccomp-dev:arm64 libseccomp-dev pkg-config file gcc-i686-linux-gnu \
             libc6-dev-i386-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross; do
        dpkg -s "$p" >/dev/null 2>&1 || need=1
    done
    if [ $need = 1 ]; then
        dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web libstd-rust-web-dev:arm64 \
            gcc-aarch64-linux-gnu libc6-dev-arm64-cross libseccomp-dev:arm64 libseccomp-dev \
            pkg-config file gcc-i686-linux-gnu libc6-dev-i386-cross gcc-arm-linux-gnueabihf \
            libc6-dev-armhf-cross
    fi
fi

mkdir -p dist/x86_64 dist/aarch64

echo "== x86_64 (static)"
env LIBSECCOMP_LINK_TYPE=static LIBSECCOMP_LIB_PATH=/usr/lib/x86_64-linux-gnu \
    RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
    cargo build --release --target x86_64-unknown-linux-gnu --bins
cp "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/my-sysdig" \
   "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/sysdig-test-helper" dist/x86_64/

echo "== aarch64 (static, Debian rustc)"
env RUSTC=/usr/bin/rustc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig \
    LIBSECCOMP_LINK_TYPE=static LIBSECCOMP_LIB_PATH=/usr/lib/aarch64-linux-gnu \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --target aarch64-unknown-linux-gnu --bins
cp "$CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/release/my-sysdig" \
   "$CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/release/sysdig-test-helper" dist/aarch64/

# The 32-bit program each VM traces as its compat ABI's (tests/prog32/prog.c):
# i386 on x86_64, armhf on aarch64.
echo "== 32-bit test programs"
i686-linux-gnu-gcc -static -O2 -o dist/x86_64/prog32 tests/prog32/prog.c
arm-linux-gnueabihf-gcc -static -O2 -o dist/aarch64/prog32 tests/prog32/prog.c

# aarch64 unit tests of the library (arch layer, syscall table, decoders; static), run inside the arm64 VM by scripts/vm-test.sh.
mkdir -p dist/aarch64/tests
exe=$(env RUSTC=/usr/bin/rustc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig \
    LIBSECCOMP_LINK_TYPE=static LIBSECCOMP_LIB_PATH=/usr/lib/aarch64-linux-gnu \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo test --release --no-run --lib --target aarch64-unknown-linux-gnu \
        --message-format=json | grep -o '"executable":"[^"]*my_sysdig-[^"]*"' | cut -d'"' -f4 | tail -1)
cp "$exe" dist/aarch64/tests/my-sysdig-unit

ok=1
for f in dist/*/* dist/aarch64/tests/*; do
    [ -f "$f" ] || continue
    out=$(file -b "$f")
    echo "$f: $out"
    case "$out" in *"statically linked"*|*"static-pie linked"*) ;; *) ok=0 ;; esac
done
[ $ok = 1 ] || { echo "not all binaries are static" >&2; exit 1; }
