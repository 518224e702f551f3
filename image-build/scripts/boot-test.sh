#!/usr/bin/env bash
# Boot test: ./headroom image-test --arch amd64|arm64
# Boots target/image/ARCH/headroom-ARCH.img under QEMU (TCG emulation; KVM with HEADROOM_QEMU_KVM=1; a throw-away qcow2
# overlay keeps the image untouched), forwards the guest's API port to 127.0.0.1:$PORT, waits for
# GET /api/v1/health to answer 200, then reads the guest's report (a virtio-serial port named headroom.report,
# the same on both arches: arm64's `virt` machine has no second serial port): the service is active,
# runs as user headroom with no capabilities, has its watchdog, the root is read-only and the data
# partition is mounted. The guest's network is QEMU user mode with restrict=on: it reaches nothing but
# the forwarded port. Prints boot-to-healthy seconds.
set -euo pipefail
arch=amd64 timeout_s=${HEADROOM_BOOT_TIMEOUT:-420}
while [ $# -gt 0 ]; do
  case "$1" in --arch) arch=$2; shift 2 ;; --timeout) timeout_s=$2; shift 2 ;;
    *) echo "usage: boot-test.sh --arch amd64|arm64 [--timeout S]" >&2; exit 2 ;; esac
done
mod=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$mod/target/image/$arch; img=$dir/headroom-$arch.img
[ -f "$img" ] || { echo "boot-test: no $img; run ./headroom image --arch $arch first" >&2; exit 4; }
run=$mod/target/boot-test/$arch; rm -rf "$run"; mkdir -p "$run"

case "$arch" in
  amd64) qemu=qemu-system-x86_64; pkg=qemu-system-x86; console=ttyS0
         machine=(-machine q35); accel=(-accel tcg -cpu max)
         # KVM only on request: on this kind of build machine (nested, in a container) QEMU 7.2 aborts with
         # -cpu host ("failed to set MSR 0x10a"), and without arch-capabilities KVM stops in the kernel's
         # decompressor ("emulation failure"). HEADROOM_QEMU_KVM=1 on a real host.
         if [ "${HEADROOM_QEMU_KVM:-0}" = 1 ] && [ -w /dev/kvm ]; then accel=(-enable-kvm -cpu host); fi ;;
  # arm64: always TCG here. pauth-impdef: QEMU's own pointer-authentication hash instead of the architected
  # QARMA, which is much slower to emulate (the guest does not depend on which one it gets).
  arm64) qemu=qemu-system-aarch64; pkg=qemu-system-arm; console=ttyAMA0
         machine=(-machine virt); accel=(-accel tcg -cpu max,pauth-impdef=on) ;;
  *) echo "boot-test: --arch amd64|arm64" >&2; exit 2 ;;
esac
if ! command -v "$qemu" >/dev/null || ! command -v qemu-img >/dev/null; then
  echo "boot-test: installing $pkg and qemu-utils from Debian (apt-get install)" >&2
  apt-get install -y --no-install-recommends "$pkg" qemu-utils >&2
fi
qemu-img create -q -f qcow2 -F raw -b "$img" "$run/overlay.qcow2"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start=$(date +%s.%N)
"$qemu" "${machine[@]}" "${accel[@]}" -m 1024 -smp 2 -nographic -no-reboot \
  -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
  -append "root=LABEL=hrroot ro console=$console headroom.boottest panic=-1" \
  -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2" \
  -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:8080" -device virtio-net-pci,netdev=n0 \
  -serial "file:$run/console.log" -monitor none -display none \
  -device virtio-serial-pci,id=vser0 -chardev "file,id=report,path=$run/report.log" \
  -device virtserialport,bus=vser0.0,chardev=report,name=headroom.report \
  > "$run/qemu.out" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT
echo "boot-test: QEMU ($qemu ${accel[*]}) pid $qpid, API forwarded to 127.0.0.1:$port; console: $run/console.log" >&2

healthy=""
deadline=$(( $(date +%s) + timeout_s ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  kill -0 $qpid 2>/dev/null || { echo "boot-test: QEMU exited; see $run/console.log and $run/qemu.out" >&2; tail -30 "$run/console.log" >&2; exit 1; }
  if body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/api/v1/health" 2>/dev/null); then
    healthy=$(date +%s.%N); break
  fi
  sleep 1   # polling an external VM (not test synchronisation inside the JVM)
done
[ -n "$healthy" ] || { echo "boot-test: FAILED: no healthy API within ${timeout_s}s" >&2; tail -40 "$run/console.log" >&2; exit 1; }
boot=$(python3 -c "print(f'{$healthy-$start:.1f}')")
echo "boot-test: health $body after ${boot} s" >&2

# The report waits 60 s in the guest (two watchdog timestamps a minute apart), hence its own deadline.
rdeadline=$(( $(date +%s) + ${HEADROOM_REPORT_TIMEOUT:-300} ))
while [ "$(date +%s)" -lt "$rdeadline" ] && ! grep -q '^END' "$run/report.log" 2>/dev/null; do sleep 1; done
report=$(tr -d '\r' < "$run/report.log")
echo "$report" | sed 's/^/boot-test:   /' >&2
fail=0
check() { if echo "$report" | grep -qE "$1"; then echo "boot-test: ok   $2" >&2; else echo "boot-test: FAIL $2" >&2; fail=1; fi; }
check '^ActiveState=active$' "service active"
check '^User=headroom$' "unit runs as User=headroom"
check '^ProcessUser=headroom$' "main process runs as headroom"
check '^ProcessCaps=CapEff:[[:space:]]*0+$' "no effective capabilities"
check '^WatchdogUSec=30s$' "watchdog armed (WatchdogSec=30s)"
check '^RootMount=ro,' "root file system read-only"
check '^DataMount=.*rw,' "/var/lib/headroom on the writable data partition"
check '^Fsck=/' "fsck.ext4 present (e2fsprogs)"
check '^Failed=$' "no failed units"
check '^NRestartsAfter=0$' "no restart during the 60 s observation"
w1=$(echo "$report" | sed -n 's/^Watchdog1=//p'); w2=$(echo "$report" | sed -n 's/^Watchdog2=//p')
if [ -n "$w1" ] && [ -n "$w2" ] && [ "$w2" -gt "$w1" ] 2>/dev/null && [ "$w1" -gt 0 ]; then
  echo "boot-test: ok   watchdog kicks continue (WatchdogTimestamp moved $(( (w2 - w1) / 1000000 )) s in a 60 s wait)" >&2
else echo "boot-test: FAIL watchdog kicks continue (WatchdogTimestampMonotonic $w1 then $w2)" >&2; fail=1; fi
echo "image-test.boot-to-healthy $boot s"
echo "image-test.total $(python3 -c "import time; print(f'{time.time()-$start:.1f}')") s"
kill $qpid 2>/dev/null || true; wait $qpid 2>/dev/null || true
[ $fail = 0 ] && echo "boot-test: PASSED ($arch)" || { echo "boot-test: FAILED ($arch)"; exit 1; }
