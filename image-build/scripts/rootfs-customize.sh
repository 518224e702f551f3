#!/usr/bin/env bash
# mmdebstrap customize hook: makes the root file system an appliance (read-only root, data partition,
# networking, time sync, serial console). $1: the root file system, $2: the architecture.
set -euo pipefail
r=$1 arch=$2
echo headroom > "$r/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 headroom\n::1 localhost ip6-localhost ip6-loopback\n' > "$r/etc/hosts"

cat > "$r/etc/fstab" <<'FSTAB'
# Read-only root; everything that changes lives on the data partition (LABEL=hrdata) or in RAM.
LABEL=hrroot  /                           ext4   ro,noatime,errors=remount-ro  0 1
LABEL=hrdata  /data                       ext4   rw,noatime,nosuid,nodev       0 2
/data/headroom  /var/lib/headroom         none   bind,x-systemd.requires-mounts-for=/data  0 0
/data/config/headroom  /etc/headroom      none   bind,x-systemd.requires-mounts-for=/data  0 0
/data/journal   /var/log/journal          none   bind,x-systemd.requires-mounts-for=/data  0 0
/data/timesync  /var/lib/systemd/timesync none   bind,x-systemd.requires-mounts-for=/data  0 0
tmpfs  /tmp      tmpfs  mode=1777,nosuid,nodev,size=64M  0 0
tmpfs  /var/tmp  tmpfs  mode=1777,nosuid,nodev,size=16M  0 0
tmpfs  /var/lib/systemd/linger  tmpfs  mode=0755,nosuid,nodev,noexec,size=1M  0 0
FSTAB
# systemd-logind's StateDirectory (systemd/linger) must be writable: a small tmpfs (lingering users are not
# kept across reboots; an appliance has none).
mkdir -p "$r/data" "$r/var/lib/headroom" "$r/var/log/journal" "$r/var/lib/systemd/timesync" "$r/var/lib/systemd/linger"

# Networking: DHCP on every wired interface (systemd-networkd), resolved's stub as resolv.conf.
mkdir -p "$r/etc/systemd/network"
cat > "$r/etc/systemd/network/80-wired.network" <<'NET'
[Match]
Name=en* eth*

[Network]
DHCP=yes
NET
ln -sf ../run/systemd/resolve/stub-resolv.conf "$r/etc/resolv.conf"
# machine-id: empty, so systemd makes a transient one at each boot on the read-only root.
: > "$r/etc/machine-id"; rm -f "$r/var/lib/dbus/machine-id"

# The JVM's base class-data archives: jlink dumps amd64's when it builds the runtime (build-runtime.sh); arm64's
# are dumped here, in the image, through qemu-user. Without them the appliance's JVM maps no CDS at all and its
# -XX:+AutoCreateSharedArchive does nothing. classes_coh.jsa: the appliance runs with compact object headers.
rt=/usr/lib/headroom/runtime
if [ -x "$r$rt/bin/java" ] && [ ! -e "$r$rt/lib/server/classes_coh.jsa" ]; then
  chroot "$r" "$rt/bin/java" -Xshare:dump -Xlog:cds=warning >/dev/null
  chroot "$r" "$rt/bin/java" -XX:+UseCompactObjectHeaders -Xshare:dump -Xlog:cds=warning >/dev/null
fi

chroot "$r" systemctl enable systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
  headroom-appliance.service >/dev/null
chroot "$r" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer e2scrub_reap.service >/dev/null 2>&1 || true
# systemd-networkd-persistent-storage makes /var/lib/systemd/network writable for networkd's DHCP leases and
# the like: on the read-only root it fails; networkd keeps its state in /run instead.
chroot "$r" systemctl mask systemd-networkd-persistent-storage.service >/dev/null
# Journal on the data partition, bounded.
mkdir -p "$r/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=persistent\nSystemMaxUse=128M\n' > "$r/etc/systemd/journald.conf.d/headroom.conf"
# No root password (locked); an operator adds an SSH key or a console password through their own package.
chroot "$r" passwd -l root >/dev/null

# The boot test's report (only with headroom.boottest on the kernel command line): once the appliance is
# ready, what the service runs as and its watchdog. It goes to the virtio-serial port that boot-test.sh gives
# the guest (virtserialport name=headroom.report): the same on amd64 and arm64, whose `virt` machine has one
# PL011 only (no second serial port like amd64's ttyS1). Without that port: the console.
mkdir -p "$r/usr/libexec"
cat > "$r/usr/libexec/headroom-boottest-report" <<'SH'
#!/bin/sh
out=
for i in $(seq 30); do   # udev loads virtio_console; the port is usually there long before the appliance is ready
  for n in /sys/class/virtio-ports/*/name; do
    if [ -r "$n" ] && [ "$(cat "$n")" = headroom.report ]; then out=/dev/$(basename "$(dirname "$n")"); break 2; fi
  done
  sleep 1
done
[ -n "$out" ] || { echo "headroom-boottest-report: no virtio port headroom.report; reporting on the console" >&2; out=/dev/console; }
p=$(systemctl show -p MainPID --value headroom-appliance)
{
  echo "BEGIN"; echo "Arch=$(uname -m)"
  systemctl show -p ActiveState -p SubState -p User -p WatchdogUSec -p NRestarts headroom-appliance
  echo "ProcessUser=$(ps -o user= -p "$p")"; echo "ProcessCaps=$(grep CapEff /proc/$p/status)"
  echo "RootMount=$(findmnt -no OPTIONS /)"; echo "DataMount=$(findmnt -no SOURCE,OPTIONS /var/lib/headroom)"
  echo "Fsck=$(command -v fsck.ext4 || echo none)"
  echo "Watchdog1=$(systemctl show -p WatchdogTimestampMonotonic --value headroom-appliance)"
  sleep 60
  echo "Watchdog2=$(systemctl show -p WatchdogTimestampMonotonic --value headroom-appliance)"
  systemctl show -p WatchdogTimestamp headroom-appliance
  echo "NRestartsAfter=$(systemctl show -p NRestarts --value headroom-appliance)"
  echo "Failed=$(systemctl list-units --failed --plain --no-legend | tr "\n" ";")"
  echo "END"
} > "$out"
SH
chmod 0755 "$r/usr/libexec/headroom-boottest-report"
cat > "$r/usr/lib/systemd/system/headroom-boottest-report.service" <<'UNIT'
[Unit]
Description=Headroom boot test report (virtio-serial port headroom.report)
ConditionKernelCommandLine=headroom.boottest
After=headroom-appliance.service
Wants=headroom-appliance.service

[Service]
Type=oneshot
ExecStart=/usr/libexec/headroom-boottest-report
TimeoutStartSec=180

[Install]
WantedBy=multi-user.target
UNIT
chroot "$r" systemctl enable headroom-boottest-report.service >/dev/null

# The initrd was made before /etc/fstab existed and before e2fsprogs was configured: remake it, so that its
# fsck hook copies fsck.ext4 (else: "fsck not present, so skipping root file system"). The hook probes the root's
# type from the device, which does not exist at build time: FSTYPE names it.
mkdir -p "$r/etc/initramfs-tools/conf.d"; echo FSTYPE=ext4 > "$r/etc/initramfs-tools/conf.d/headroom-fstype.conf"
chroot "$r" update-initramfs -u -k all >/dev/null

# Nothing that differs from build to build.
rm -f "$r"/var/cache/ldconfig/aux-cache "$r"/var/log/*.log "$r"/var/log/apt/* "$r"/var/lib/dbus/machine-id
rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin
