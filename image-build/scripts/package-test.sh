#!/usr/bin/env bash
# Package test: ./headroom package-test [--arch amd64] [--suite trixie] [--keep]
# The issue's proof "dpkg -i of both packages in a clean chroot starts the services; dpkg -r leaves the
# operator's config":
#   1. a clean Debian chroot (mmdebstrap, minbase + systemd) under target/package-test/ARCH/rootfs;
#   0. lintian on both packages: no error or warning beyond the overrides each package ships (justified in
#      src/files/*/lintian-overrides);
#   2. dpkg -i headroom-appliance and headroom-gpu-agent (dependencies resolved with apt inside when dpkg
#      reports them missing); checks: installed, units enabled, user/group (sysusers.d), state folder, conffiles,
#      PSK, no site file installed (the example under /usr/share/doc), copyright and changelog;
#   3. the operator edits conffiles (agent.properties: backend = fake, as on a machine without GPUs;
#      /etc/default/headroom-appliance: a comment line);
#   4. the services start: systemd-nspawn --boot on the chroot, wait for `systemctl is-active` of both units; the
#      appliance, without a site file, says it is unconfigured (health, and a warning at journald's priority 4);
#      an admin's `systemctl disable` survives a reinstall of the package; the operator installs the example as
#      /etc/headroom/site.yaml and restarts: GET /api/v1/health answers 200 (probed inside the container; its
#      network is private). If nspawn
#      cannot boot the container here, it says so and falls back to running both ExecStart commands in the
#      chroot (the appliance as user headroom) and probing the health endpoint from the host;
#   5. dpkg -r of both (inside the booted container: prerm stops the services): the edited conffiles are still
#      there, unchanged; dpkg -P: they are gone, the agent's PSK too, the state folder and the user stay.
# Prints PASS/FAIL per check and exits 1 when any failed. Needs root and the Debian mirror.
set -euo pipefail
arch=$(dpkg --print-architecture) suite=${HEADROOM_SUITE:-trixie} keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;; --suite) suite=$2; shift 2 ;; --keep) keep=1; shift ;;
    *) echo "usage: package-test.sh [--arch amd64] [--suite trixie] [--keep]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mod=$(cd "$here/.." && pwd); root=$(cd "$mod/.." && pwd); target=$mod/target
work=$target/package-test/$arch; r=$work/rootfs
mirror=${HEADROOM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
t0=$(date +%s)
[ "$(id -u)" = 0 ] || { echo "package-test: needs root (mmdebstrap, chroot, systemd-nspawn)" >&2; exit 4; }
[ "$arch" = "$(dpkg --print-architecture)" ] || { echo "package-test: only the host's architecture ($(dpkg --print-architecture))" >&2; exit 2; }

need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v nsenter >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "package-test: installing the host tools it needs from Debian: ${need[*]} (apt-get install)" >&2
  apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

app=$(ls "$target"/debs/headroom-appliance_*_"$arch".deb 2>/dev/null | head -1 || true)
agent=$(ls "$target"/debs/headroom-gpu-agent_*_"$arch".deb 2>/dev/null | head -1 || true)
if [ -z "$app" ] || [ -z "$agent" ]; then
  echo "package-test: building the packages (./mvnw -Pimage package -pl image-build -am)..." >&2
  (cd "$root" && ./mvnw -q -B -Pimage package -pl image-build -am -DskipTests) >&2
  app=$(ls "$target"/debs/headroom-appliance_*_"$arch".deb | head -1)
  agent=$(ls "$target"/debs/headroom-gpu-agent_*_"$arch".deb | head -1)
fi

fail=0 npass=0 nfail=0
pass() { echo "package-test: PASS $*"; npass=$((npass + 1)); }
failc() { echo "package-test: FAIL $*"; fail=1; nfail=$((nfail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else failc "$what"; fi; }
eq() { [ "$1" = "$2" ]; }
has() { printf '%s\n' "$1" | grep -q -- "$2"; }

# 0. lintian: clean, or each override justified in the package's own overrides file.
mkdir -p "$target/package-test"
if command -v lintian >/dev/null; then
  for d in "$app" "$agent"; do
    n=$(basename "$d" | cut -d_ -f1)
    if lintian --fail-on error,warning --no-tag-display-limit "$d" > "$target/package-test/lintian-$n.log" 2>&1; then
      pass "lintian $n: no error or warning (overrides: src/files/*/lintian-overrides)"
    else
      failc "lintian $n (see $target/package-test/lintian-$n.log)"; sed 's/^/package-test:   lintian: /' "$target/package-test/lintian-$n.log" | head -20 >&2
    fi
  done
else
  failc "lintian not installed (apt-get install lintian)"
fi

mounted=()
umount_all() { local i; for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done; mounted=(); }
mount_api() { local d; for d in proc sys dev dev/pts; do mount --bind "/$d" "$r/$d"; mounted+=("$r/$d"); done; }
ns_pid="" leader="" fb_pids=()
cleanup() {
  local p
  for p in "${fb_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$ns_pid" ] && kill -0 "$ns_pid" 2>/dev/null; then kill -TERM "$ns_pid" 2>/dev/null || true; sleep 3; kill -KILL "$ns_pid" 2>/dev/null || true; fi
  umount_all
}
trap cleanup EXIT

# 1. A clean chroot.
rm -rf "$work"; mkdir -p "$work"
echo "package-test: Debian $suite $arch chroot (mmdebstrap minbase + systemd)..." >&2
mmdebstrap --mode=root --variant=minbase --include=systemd-sysv,dbus \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  "$suite" "$r" "$mirror" > "$work/mmdebstrap.log" 2>&1 || {
  echo "package-test: mmdebstrap failed; see $work/mmdebstrap.log" >&2; tail -20 "$work/mmdebstrap.log" >&2; exit 4; }
t_chroot=$(( $(date +%s) - t0 ))

# 2. dpkg -i both; apt resolves what dpkg says is missing.
cp "$app" "$r/tmp/headroom-appliance.deb"; cp "$agent" "$r/tmp/headroom-gpu-agent.deb"
cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
mount_api
in_chroot() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
if in_chroot dpkg -i /tmp/headroom-appliance.deb /tmp/headroom-gpu-agent.deb > "$work/dpkg-i.log" 2>&1; then
  pass "dpkg -i headroom-appliance headroom-gpu-agent (dependencies already present)"
else
  echo "package-test: dpkg -i reported missing dependencies; resolving with apt-get -f install" >&2
  if in_chroot sh -c 'apt-get update -q && apt-get -f install -y -q' >> "$work/dpkg-i.log" 2>&1; then
    pass "dpkg -i + apt-get -f install (dependencies resolved with apt)"
  else failc "dpkg -i (see $work/dpkg-i.log)"; fi
fi
rm -f "$r/tmp/"headroom-*.deb
status() { in_chroot dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }
check "headroom-appliance installed (dpkg: ii)" eq "$(status headroom-appliance)" ii
check "headroom-gpu-agent installed (dpkg: ii)" eq "$(status headroom-gpu-agent)" ii
check "headroom-appliance.service enabled" eq "$(in_chroot systemctl is-enabled headroom-appliance.service 2>/dev/null)" enabled
check "headroom-agent.service enabled" eq "$(in_chroot systemctl is-enabled headroom-agent.service 2>/dev/null)" enabled
check "system user headroom (nologin, home /var/lib/headroom)" \
  eq "$(in_chroot getent passwd headroom | awk -F: '{print ($3<1000) ":" $6 ":" $7}')" "1:/var/lib/headroom:/usr/sbin/nologin"
check "group headroom" in_chroot getent group headroom
check "/var/lib/headroom headroom:headroom 750" eq "$(in_chroot stat -c '%U:%G %a' /var/lib/headroom 2>/dev/null)" "headroom:headroom 750"
conffiles=(/etc/default/headroom-appliance /etc/headroom/update-keys/release.pub /etc/headroom/agent.properties)
listed=$(in_chroot dpkg-query -W -f='${Conffiles}\n' headroom-appliance headroom-gpu-agent 2>/dev/null)
for f in "${conffiles[@]}"; do
  check "conffile $f present and registered" sh -c "[ -s '$r$f' ] && echo '$listed' | grep -q '^ $f '"
done
check "no site file installed (/etc/headroom/site.yaml absent: the appliance starts unconfigured)" test ! -e "$r/etc/headroom/site.yaml"
check "the example site under /usr/share/doc/headroom-appliance/examples/site.yaml" test -s "$r/usr/share/doc/headroom-appliance/examples/site.yaml"
for p in headroom-appliance headroom-gpu-agent; do
  check "$p: copyright (DEP-5) and changelog.gz (a native version)" sh -c "grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' '$r/usr/share/doc/$p/copyright' && zcat '$r/usr/share/doc/$p/changelog.gz' | head -1 | grep -q '^$p ('"
done
check "sysusers.d: /usr/lib/sysusers.d/headroom-appliance.conf and headroom-agent.conf" test -s "$r/usr/lib/sysusers.d/headroom-appliance.conf" -a -s "$r/usr/lib/sysusers.d/headroom-agent.conf"
check "/etc/headroom/agent.psk root:headroom-agent 640" eq "$(in_chroot stat -c '%U:%G %a' /etc/headroom/agent.psk)" "root:headroom-agent 640"
check "/etc/headroom/agent.psk: 64 hex digits" grep -qE '^[0-9a-f]{64}$' "$r/etc/headroom/agent.psk"

# 3. The operator's edits.
stamp="operator edit $(date -u +%FT%TZ)"
sed -i 's/^backend = nvml$/backend = fake/' "$r/etc/headroom/agent.properties"
echo "# $stamp" >> "$r/etc/headroom/agent.properties"
echo "# $stamp" >> "$r/etc/default/headroom-appliance"
edited=(/etc/headroom/agent.properties /etc/default/headroom-appliance)
(cd "$r" && sha256sum "${edited[@]#/}") > "$work/edited.sha256"
psk_sum=$(sha256sum < "$r/etc/headroom/agent.psk")
cp "$agent" "$r/root/headroom-gpu-agent.deb" # for the reinstall inside the booted container
umount_all

# 4. Start the services. --register=no --keep-unit: no machined or system bus needed on the host (there is
# none in this sandbox: without them nspawn stops at "Failed to open system bus").
health_body=""
ctl() { nsenter -t "$leader" -m -u -i -n -p -r -w /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }
probe_in() { ctl timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /api/v1/health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && cat <&3' 2>/dev/null; }
mode=nspawn
echo "package-test: booting the chroot with systemd-nspawn --boot..." >&2
t_boot=$(date +%s)
systemd-nspawn --boot -D "$r" --machine=hrpkgtest --register=no --keep-unit --private-network --console=pipe \
  < /dev/null > "$work/nspawn.log" 2>&1 &
ns_pid=$!
# The container's init: nspawn's child, once it is systemd.
for _ in $(seq 1 30); do
  for p in $(ps -o pid= --ppid "$ns_pid" 2>/dev/null); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && { leader=$p; break; }
  done
  [ -n "$leader" ] && break
  kill -0 "$ns_pid" 2>/dev/null || break
  sleep 1
done
if [ -n "$leader" ]; then
  # Wait for the system to come up (its state: running or degraded), then for both units.
  for _ in $(seq 1 60); do
    st=$(ctl systemctl is-system-running 2>/dev/null || true)
    case "$st" in running|degraded|maintenance) break ;; esac
    kill -0 "$ns_pid" 2>/dev/null || break; sleep 2
  done
fi
if [ -z "$leader" ] || ! kill -0 "$ns_pid" 2>/dev/null || [ -z "${st:-}" ] || [ "${st:-}" = offline ]; then
  echo "package-test: systemd-nspawn could not boot the container in this sandbox (state '${st:-none}'); its output:" >&2
  sed 's/^/package-test:   nspawn: /' "$work/nspawn.log" | tail -15 >&2
  mode=fallback
  if [ -n "$ns_pid" ]; then kill -TERM "$ns_pid" 2>/dev/null || true; sleep 2; kill -KILL "$ns_pid" 2>/dev/null || true; wait "$ns_pid" 2>/dev/null || true; ns_pid=""; fi
fi

if [ "$mode" = nspawn ]; then
  echo "package-test: container up (system state: $st); waiting for both units (up to 240 s)..." >&2
  a="" g=""
  deadline=$(( $(date +%s) + 240 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    a=$(ctl systemctl is-active headroom-appliance.service 2>/dev/null || true)
    g=$(ctl systemctl is-active headroom-agent.service 2>/dev/null || true)
    [ "$a" = active ] && [ "$g" = active ] && break
    sleep 2
  done
  t_active=$(( $(date +%s) - t_boot ))
  check "headroom-appliance.service active under systemd (${t_active} s after boot)" eq "$a" active
  check "headroom-agent.service active under systemd" eq "$g" active
  # Unconfigured: no site file; it says so, at journald's warning priority.
  unconf=""
  for _ in $(seq 1 60); do unconf=$(probe_in | tr -d '\r' || true); echo "$unconf" | grep -q '"status":"unconfigured"' && break; sleep 2; done
  check "unconfigured appliance: health answers 503" has "$unconf" '^HTTP/1.[01] 503'
  check "unconfigured appliance: health says \"unconfigured\" and names the example" has "$unconf" '"status":"unconfigured".*examples/site.yaml' 
  check "journalctl -p warning shows the appliance's UNCONFIGURED warning (syslog priority prefix)" \
    sh -c "nsenter -t $leader -m -u -i -n -p -r -w journalctl -u headroom-appliance.service -p warning --no-pager -o cat | grep -q UNCONFIGURED"
  check "journalctl -p warning does not show info lines" \
    sh -c "! nsenter -t $leader -m -u -i -n -p -r -w journalctl -u headroom-appliance.service -p warning --no-pager -o cat | grep -qE '^(INFO|DEBUG|TRACE) '"
  # An admin's disable stands across a reinstall (deb-systemd-helper was-enabled / update-state).
  ctl systemctl disable headroom-agent.service >/dev/null 2>&1 || true
  ctl dpkg -i /root/headroom-gpu-agent.deb > "$work/dpkg-reinstall.log" 2>&1 || true
  check "a disabled unit stays disabled after the package is reinstalled" eq "$(ctl systemctl is-enabled headroom-agent.service 2>/dev/null)" disabled
  ctl systemctl enable --now headroom-agent.service >/dev/null 2>&1 || true
  # The operator configures the appliance: the example as the site file, then a restart.
  ctl install -o root -g headroom -m 0640 /usr/share/doc/headroom-appliance/examples/site.yaml /etc/headroom/site.yaml
  echo "# $stamp" >> "$r/etc/headroom/site.yaml"
  (cd "$r" && sha256sum etc/headroom/site.yaml) >> "$work/edited.sha256"
  ctl systemctl restart headroom-appliance.service >/dev/null 2>&1 || true
  for _ in $(seq 1 90); do health_body=$(probe_in | tr -d '\r' || true); echo "$health_body" | grep -q '^HTTP/1.[01] 200' && break; sleep 2; done
  health_body=$(echo "$health_body" | sed -n '/^$/,$p' | tail -n +2)
  check "configured: GET /api/v1/health answers 200 inside the container: ${health_body:0:80}" test -n "$health_body"
  mp=$(ctl systemctl show -p MainPID --value headroom-appliance.service 2>/dev/null || echo 0)
  check "appliance main process runs as headroom (MainPID $mp)" eq "$(ctl stat -c %U "/proc/$mp" 2>/dev/null)" headroom
  check "appliance watchdog armed (WatchdogUSec=30s)" eq "$(ctl systemctl show -p WatchdogUSec --value headroom-appliance.service 2>/dev/null)" 30s
  ctl systemctl --no-pager status headroom-appliance.service headroom-agent.service > "$work/status.log" 2>&1 || true
  ctl systemctl list-units --failed --plain --no-legend > "$work/failed-units.log" 2>&1 || true

  # 5. dpkg -r inside the running system: prerm stops the services.
  ctl dpkg -r headroom-appliance headroom-gpu-agent > "$work/dpkg-r.log" 2>&1 && pass "dpkg -r headroom-appliance headroom-gpu-agent" || failc "dpkg -r (see $work/dpkg-r.log)"
  check "headroom-appliance.service stopped after dpkg -r" test "$(ctl systemctl is-active headroom-appliance.service 2>/dev/null)" != active
  check "headroom-agent.service stopped after dpkg -r" test "$(ctl systemctl is-active headroom-agent.service 2>/dev/null)" != active
  inr() { ctl "$@"; }
else
  echo "package-test: FALLBACK: starting the ExecStart commands in the chroot (appliance as user headroom), no systemd" >&2
  mount_api
  # The appliance: ExecStartPre (check-site) then ExecStart, with the unit's EnvironmentFile, as headroom.
  # Unconfigured first (no site file): health says so.
  run_unconf='set -a; . /etc/default/headroom-appliance; set +a; cd /var/lib/headroom &&
    /usr/bin/headroom-appliance check-site --missing-ok "$HEADROOM_SITE" &&
    exec /usr/bin/headroom-appliance service --site "$HEADROOM_SITE" --unconfigured-example /usr/share/doc/headroom-appliance/examples/site.yaml --http-host 127.0.0.1 --http-port "$HEADROOM_HTTP_PORT"'
  chroot --userspec=headroom:headroom "$r" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/headroom HEADROOM_LOG_FORMAT=journal sh -c "$run_unconf" > "$work/appliance-unconfigured.log" 2>&1 &
  up=$!; unconf=""
  for _ in $(seq 1 90); do unconf=$(curl -sS --max-time 2 http://127.0.0.1:8080/api/v1/health 2>/dev/null || true); [ -n "$unconf" ] && break; sleep 2; done
  kill "$up" 2>/dev/null || true; wait "$up" 2>/dev/null || true
  check "unconfigured appliance (fallback): health says \"unconfigured\"" has "$unconf" '"status":"unconfigured"' 
  check "its log line is a warning with the journald priority prefix <4>" grep -q '^<4>WARN .*UNCONFIGURED' "$work/appliance-unconfigured.log"
  install -o root -g "$(awk -F: '$1=="headroom"{print $3}' "$r/etc/group")" -m 0640 "$r/usr/share/doc/headroom-appliance/examples/site.yaml" "$r/etc/headroom/site.yaml"
  echo "# $stamp" >> "$r/etc/headroom/site.yaml"
  (cd "$r" && sha256sum etc/headroom/site.yaml) >> "$work/edited.sha256"
  run_app='set -a; . /etc/default/headroom-appliance; set +a; cd /var/lib/headroom &&
    /usr/bin/headroom-appliance check-site "$HEADROOM_SITE" >/dev/null &&
    exec /usr/bin/headroom-appliance service --site "$HEADROOM_SITE" --http-host 127.0.0.1 --http-port "$HEADROOM_HTTP_PORT"'
  chroot --userspec=headroom:headroom "$r" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/headroom sh -c "$run_app" > "$work/appliance.log" 2>&1 &
  fb_pids+=($!)
  chroot "$r" /usr/bin/env -i PATH=/usr/bin:/bin /usr/lib/headroom-agent/bin/java --enable-native-access=ALL-UNNAMED -Xmx64m \
    -XX:+UseSerialGC -cp '/usr/lib/headroom-agent/lib/*' io.headroom.drivers.agent.AgentMain --config /etc/headroom/agent.properties \
    > "$work/agent.log" 2>&1 &
  fb_pids+=($!)
  deadline=$(( $(date +%s) + 180 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    health_body=$(curl -fsS --max-time 2 http://127.0.0.1:8080/api/v1/health 2>/dev/null || true)
    [ -n "$health_body" ] && break; sleep 2
  done
  check "appliance (fallback, as headroom) answers GET /api/v1/health: ${health_body:0:80}" test -n "$health_body"
  check "agent (fallback) still running" kill -0 "${fb_pids[1]}"
  for p in "${fb_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; fb_pids=()
  in_chroot dpkg -r headroom-appliance headroom-gpu-agent > "$work/dpkg-r.log" 2>&1 && pass "dpkg -r headroom-appliance headroom-gpu-agent" || failc "dpkg -r (see $work/dpkg-r.log)"
  inr() { in_chroot "$@"; }
fi
check "after dpkg -r: both packages in state rc (config files kept)" \
  eq "$(inr dpkg-query -W -f='${db:Status-Abbrev}' headroom-appliance headroom-gpu-agent 2>/dev/null | tr -d ' ')" rcrc
# dh's postrm masks the units on remove (a link to /dev/null) and keeps their enablement until purge; the wants links
# are absolute, so test them as links (test -e would follow them on the host, where they dangle)
check "after dpkg -r: units masked by deb-systemd-helper" sh -c "[ \"\$(readlink '$r/etc/systemd/system/headroom-appliance.service')\" = /dev/null ] && [ \"\$(readlink '$r/etc/systemd/system/headroom-agent.service')\" = /dev/null ]"
check "after dpkg -r: the operator's edited conffiles are there, unchanged" sh -c "cd '$r' && sha256sum -c --quiet '$work/edited.sha256'"
check "after dpkg -r: agent.properties still says backend = fake" grep -q '^backend = fake$' "$r/etc/headroom/agent.properties"
check "after dpkg -r: agent.psk kept" eq "$(sha256sum < "$r/etc/headroom/agent.psk" 2>/dev/null)" "$psk_sum"
check "after dpkg -r: /var/lib/headroom kept" test -d "$r/var/lib/headroom"
check "after dpkg -r: program files removed" test ! -e "$r/usr/bin/headroom-appliance" -a ! -e "$r/usr/lib/headroom-agent/bin/java"

inr dpkg -P headroom-appliance headroom-gpu-agent > "$work/dpkg-P.log" 2>&1 && pass "dpkg -P headroom-appliance headroom-gpu-agent" || failc "dpkg -P (see $work/dpkg-P.log)"
for f in "${conffiles[@]}" /etc/headroom/agent.psk; do check "after dpkg -P: $f removed" test ! -e "$r$f"; done
check "after dpkg -P: the operator's own /etc/headroom/site.yaml kept" sh -c "cd '$r' && grep etc/headroom/site.yaml '$work/edited.sha256' | sha256sum -c --quiet"
check "after dpkg -P: units neither enabled nor masked" sh -c "! [ -L '$r/etc/systemd/system/multi-user.target.wants/headroom-appliance.service' -o -L '$r/etc/systemd/system/multi-user.target.wants/headroom-agent.service' -o -L '$r/etc/systemd/system/headroom-appliance.service' -o -L '$r/etc/systemd/system/headroom-agent.service' ]"
check "after dpkg -P: packages unknown to dpkg" test -z "$(inr dpkg-query -W -f='${db:Status-Abbrev}' headroom-appliance headroom-gpu-agent 2>/dev/null | tr -d ' ' | grep -v '^un$' || true)"
check "after dpkg -P: user headroom and /var/lib/headroom kept (journal, CDS archive)" sh -c "grep -q '^headroom:' '$r/etc/passwd' && [ -d '$r/var/lib/headroom' ]"

cleanup; trap - EXIT; ns_pid=""
[ "$keep" = 1 ] || rm -rf "$r"
echo "package-test.mode $mode"
echo "package-test.chroot $t_chroot s"
echo "package-test.total $(( $(date +%s) - t0 )) s"
if [ $fail = 0 ]; then echo "package-test: PASSED ($npass checks, $mode, $suite $arch)"; else echo "package-test: FAILED ($nfail of $((npass + nfail)) checks)"; exit 1; fi
