#!/usr/bin/env bash
# Boot Debian's 6.1 kernels (arm64 in qemu-system-aarch64, amd64 in qemu-system-x86_64)
# with a busybox initramfs holding the static my-sysdig and sysdig-test-helper, trace real
# programs inside and check the records. Prints PASS/FAIL per check and "N passed, M failed".
#   scripts/vm-test.sh [aarch64|x86_64 ...]     (default: both)
# Builds the static binaries first (scripts/build-static.sh, ~1.5 min); VM_REUSE_DIST=1
# boots what dist/ already holds instead (stale binaries test old code).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ARCHES=${*:-aarch64 x86_64}
KVER=${KVER:-6.1.0-56}
TIMEOUT=${VM_TIMEOUT:-900}
VM=${CARGO_TARGET_DIR:-$ROOT/target}/vm
mkdir -p "$VM"
if [ "${VM_REUSE_DIST:-0}" = 1 ] && [ -x dist/aarch64/my-sysdig ] && [ -x dist/x86_64/my-sysdig ]; then
    echo "vm-test: reusing dist/ (VM_REUSE_DIST=1)"
else
    scripts/build-static.sh
fi
for p in qemu-system-arm qemu-system-x86 cpio; do
    dpkg -s $p >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $p
done

total_fail=0; total_pass=0
for arch in $ARCHES; do
    case $arch in
        aarch64) deb=arm64; qemu=(qemu-system-aarch64 -M virt -cpu max); con=ttyAMA0 ;;
        x86_64) deb=amd64; qemu=(qemu-system-x86_64 -cpu max); con=ttyS0 ;;
    esac
    d=$VM/$deb
    mkdir -p "$d"
    if [ ! -f "$d/k/boot/vmlinuz-$KVER-$deb" ]; then
        (cd "$d" && apt-get download "linux-image-$KVER-$deb:$deb" "busybox-static:$deb" \
            && dpkg-deb -x linux-image-*.deb k && dpkg-deb -x busybox-static_*.deb bb)
    fi
    r=$d/root; rm -rf "$r"; mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,usr/bin,usr/sbin}
    cp "$d/bb/bin/busybox" "$r/bin/busybox"
    for a in $("$d/bb/bin/busybox" --list 2>/dev/null || echo sh cat ls mount poweroff grep wc true echo sed head tr seq sleep); do
        [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
    done
    ln -sf busybox "$r/bin/sh"
    cp dist/$arch/my-sysdig dist/$arch/sysdig-test-helper dist/$arch/prog32 "$r/bin/"
    if [ -d dist/$arch/tests ]; then mkdir -p "$r/tests"; cp dist/$arch/tests/* "$r/tests/"; fi
    printf 'hello-vm\n' > "$r/etc/vmtest"
    cp scripts/vm-init.sh "$r/init"; chmod +x "$r/init"
    (cd "$r" && find . | cpio -o -H newc 2>/dev/null | gzip > "$d/initrd.gz")
    echo "== $arch: booting Linux $KVER"
    log=$d/console.log
    timeout "$TIMEOUT" "${qemu[@]}" -smp 2 -m 1024 -nographic -no-reboot \
        -kernel "$d/k/boot/vmlinuz-$KVER-$deb" -initrd "$d/initrd.gz" \
        -append "console=$con rdinit=/init quiet panic=-1" </dev/null | tee "$log" || true
    line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | tr -d '\r' || true)
    if [ -z "$line" ]; then
        echo "FAIL $arch: VM did not finish within ${TIMEOUT}s"; total_fail=$((total_fail + 1)); continue
    fi
    total_pass=$((total_pass + ${line%% passed*}))
    f=${line#*, }; total_fail=$((total_fail + ${f%% failed*}))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
