#!/usr/bin/env bash
# The appliance's disk image: ./headroom image --arch amd64|arm64
#   build-image.sh --arch amd64|arm64 [--suite trixie] [--no-package]
# Builds the packages (./mvnw -Pimage package, unless --no-package), a minimal Debian root file system with
# mmdebstrap (headroom-appliance installed and enabled, systemd-networkd on DHCP, systemd-timesyncd, journald
# persistent on the data partition), then a GPT disk image:
#   p1 hrroot  ext4, mounted read-only (root=LABEL=hrroot ro)
#   p2 hrdata  ext4, read-write at /data: /var/lib/headroom, /etc/headroom, /var/log/journal and the
#              timesyncd clock are bind-mounted from it
# Outputs under image-build/target/image/ARCH/: headroom-ARCH.img, vmlinuz, initrd.img, SHA256SUMS.
# Needs root (mmdebstrap in root mode, file ownership in the file systems) and the Debian mirror.
# Reproducible given the same packages from the mirror: SOURCE_DATE_EPOCH (default: the last commit's time)
# fixes file times, file-system UUIDs and hash seeds, partition GUIDs and the bundle/package timestamps.
set -euo pipefail
arch=amd64 suite=${HEADROOM_SUITE:-trixie} package=1
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    --no-package) package=0; shift ;;
    *) echo "usage: build-image.sh --arch amd64|arm64 [--suite trixie] [--no-package]" >&2; exit 2 ;;
  esac
done
case "$arch" in amd64) kernel=linux-image-amd64 ;; arm64) kernel=linux-image-arm64 ;;
  *) echo "image: --arch must be amd64 or arm64" >&2; exit 2 ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mod=$(cd "$here/.." && pwd); root=$(cd "$mod/.." && pwd); target=$mod/target
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
out=$target/image/$arch; work=$target/image/$arch/work
t0=$(date +%s)

[ "$(id -u)" = 0 ] || { echo "image: needs root (mmdebstrap writes a root file system with real owners)" >&2; exit 4; }
need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v sfdisk >/dev/null || need+=(fdisk)
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  command -v qemu-aarch64-static >/dev/null || [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || need+=(qemu-user-static binfmt-support)
  command -v arch-test >/dev/null || need+=(arch-test)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "image: installing the host tools it needs from Debian: ${need[*]} (apt-get install)" >&2
  apt-get install -y --no-install-recommends "${need[@]}" >&2 || {
    echo "image: could not install ${need[*]}; install them (apt-get install ${need[*]}) and run again" >&2; exit 4; }
fi
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  # mmdebstrap runs the foreign root's programs through binfmt_misc and qemu-user. In a container without an
  # init (no binfmt-support service) binfmt_misc is often not mounted, and qemu-user-static's registration
  # did not happen: mount it and register the interpreter.
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >&2 || true
  arch-test "$arch" >/dev/null || { echo "image: this host cannot run $arch programs (binfmt_misc with qemu-user-static:" \
    "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; update-binfmts --enable qemu-aarch64)" >&2; exit 4; }
fi

if [ "$package" = 1 ]; then
  echo "image: building the packages (./mvnw -Pimage package -pl image-build -am)..." >&2
  # Maven's progress: a line per module as it starts, and any error (the rest of its output is not shown)
  (cd "$root" && ./mvnw -B -ntp -Pimage package -pl image-build -am -DskipTests \
    -Dproject.build.outputTimestamp="$SOURCE_DATE_EPOCH" 2>&1) \
    | { grep --line-buffered -E '^\[INFO\] Building .*\[[0-9]+/[0-9]+\]$|^\[ERROR\]' || true; } \
    | sed -u "s/^\[INFO\] Building /image: packages: /" >&2
fi
deb=$target/debs/headroom-appliance_*_"$arch".deb
ls $deb >/dev/null 2>&1 || { echo "image: no $deb; run without --no-package" >&2; exit 4; }

rm -rf "$work"; mkdir -p "$work" "$out"
cp $deb "$work/headroom-appliance.deb"
# The package installs no site file (without one the appliance runs unconfigured); the image is configured for one
# at build time: HEADROOM_IMAGE_SITE, by default the example hall (what the boot test runs).
site=${HEADROOM_IMAGE_SITE:-$root/sites/example-4feed.yaml}
echo "image: site file $site (HEADROOM_IMAGE_SITE)" >&2
cp "$site" "$work/site.yaml"
rootfs=$work/rootfs
mirror=${HEADROOM_DEBIAN_MIRROR:-http://deb.debian.org/debian}

echo "image: [$(( $(date +%s) - t0 )) s] Debian $suite $arch root file system (mmdebstrap)..." >&2
mmdebstrap --mode=root --variant=minbase --arch="$arch" --format=directory \
  --include="systemd-sysv,init-system-helpers,udev,kmod,$kernel,initramfs-tools,systemd-timesyncd,systemd-resolved,dbus,iproute2,procps,ca-certificates,zlib1g,e2fsprogs,zstd" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/headroom*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in $work/headroom-appliance.deb /tmp" \
  --customize-hook='chroot "$1" dpkg -i /tmp/headroom-appliance.deb && rm "$1/tmp/headroom-appliance.deb"' \
  --customize-hook="copy-in $work/site.yaml /tmp" \
  --customize-hook='chroot "$1" install -o root -g headroom -m 0640 /tmp/site.yaml /etc/headroom/site.yaml && rm "$1/tmp/site.yaml"' \
  --customize-hook="$here/rootfs-customize.sh \"\$1\" $arch" \
  "$suite" "$rootfs" "$mirror" >&2

# Kernel and initrd beside the image (QEMU boots them directly; a board's loader reads them from /boot).
cp -L "$rootfs/vmlinuz" "$out/vmlinuz"; cp -L "$rootfs/initrd.img" "$out/initrd.img"

# The data partition's initial contents: state, configuration (seeded from the package's), journal, clock.
data=$work/data
uid=$(awk -F: '$1=="headroom"{print $3}' "$rootfs/etc/passwd"); gid=$(awk -F: '$1=="headroom"{print $3}' "$rootfs/etc/group")
jgid=$(awk -F: '$1=="systemd-journal"{print $3}' "$rootfs/etc/group")
tsuid=$(awk -F: '$1=="systemd-timesync"{print $3}' "$rootfs/etc/passwd")
mkdir -p "$data"/headroom "$data"/config "$data"/journal "$data"/timesync
cp -a "$rootfs/etc/headroom" "$data/config/headroom"
chown "$uid:$gid" "$data/headroom"; chmod 0750 "$data/headroom"
chown "root:${jgid:-0}" "$data/journal"; chmod 2755 "$data/journal"
chown "${tsuid:-0}:${tsuid:-0}" "$data/timesync" 2>/dev/null || true

# Reproducible trees: every time clamped to SOURCE_DATE_EPOCH.
for d in "$rootfs" "$data"; do
  find "$d" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
done

uuid() { # a stable UUID from a name and SOURCE_DATE_EPOCH
  local h; h=$(printf '%s-%s' "$1" "$SOURCE_DATE_EPOCH" | sha256sum | cut -c1-32)
  echo "${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}"
}
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
root_mb=$(( $(du -sm "$rootfs" | cut -f1) * 130 / 100 + 64 ))
data_mb=${HEADROOM_DATA_MB:-512}
echo "image: [$(( $(date +%s) - t0 )) s] file systems (root ${root_mb} MiB read-only, data ${data_mb} MiB)..." >&2
mkfs.ext4 -q -F -L hrroot -U "$(uuid root)" -E "hash_seed=$(uuid root-hash),root_owner=0:0" -m 0 -N 0 \
  -d "$rootfs" "$work/root.ext4" "${root_mb}M"
mkfs.ext4 -q -F -L hrdata -U "$(uuid data)" -E "hash_seed=$(uuid data-hash),root_owner=0:0" \
  -d "$data" "$work/data.ext4" "${data_mb}M"
# mkfs.ext4 -d copies each file's ctime and atime: the ctime is when this build touched the tree (touch cannot
# set it), the atime of a file older than SOURCE_DATE_EPOCH (not touched above) is when dpkg unpacked it.
# Those alone made two builds of the same inputs differ: set both to SOURCE_DATE_EPOCH in every inode.
clamp_inode_times() { # FS_IMAGE TREE
  (cd "$2" && find . -printf '%P\n') | awk -v t="$SOURCE_DATE_EPOCH" \
    '{ printf "sif \"/%s\" ctime @%s\nsif \"/%s\" atime @%s\n", $0, t, $0, t }' > "$work/ctime.cmds"
  debugfs -w -f "$work/ctime.cmds" "$1" > /dev/null 2> "$work/ctime.err"
  if grep -v '^debugfs [0-9]' "$work/ctime.err" | grep -q .; then
    echo "image: debugfs could not set every ctime and atime in $1:" >&2; head "$work/ctime.err" >&2; exit 1
  fi
}
clamp_inode_times "$work/root.ext4" "$rootfs"
clamp_inode_times "$work/data.ext4" "$data"

img=$out/headroom-$arch.img
rm -f "$img"
total_mb=$(( 1 + root_mb + data_mb + 1 ))
truncate -s "${total_mb}M" "$img"
sfdisk -q "$img" <<PART
label: gpt
label-id: $(uuid disk)
first-lba: 2048
start=1MiB, size=${root_mb}MiB, type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709, uuid=$(uuid p1), name=hrroot
start=$(( 1 + root_mb ))MiB, size=${data_mb}MiB, type=0fc63daf-8483-4772-8e79-3d69d8477de4, uuid=$(uuid p2), name=hrdata
PART
dd if="$work/root.ext4" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/data.ext4" of="$img" bs=1M seek=$(( 1 + root_mb )) conv=notrunc,sparse status=none
(cd "$out" && sha256sum "$(basename "$img")" vmlinuz initrd.img > SHA256SUMS)
rm -rf "$work"
echo "image: $img: $(du -h --apparent-size "$img" | cut -f1) (allocated $(du -h "$img" | cut -f1)), $(( $(date +%s) - t0 )) s" >&2
cat "$out/SHA256SUMS"
