#!/usr/bin/env bash
# Stages the package trees for jdeb (run by `./mvnw -Pimage package` after the jar and the libs are copied):
# runtimes (jdeps + jlink) per package and architecture, the files, deterministic data.tar archives (names
# sorted, owner root, modes kept, times clamped to SOURCE_DATE_EPOCH) and the control folders.
#   stage-packages.sh VERSION [ARCH...]      default ARCHs: amd64 arm64 (HEADROOM_ARCHS overrides)
set -euo pipefail
version=$1; shift
archs=("$@"); [ ${#archs[@]} -gt 0 ] || read -r -a archs <<< "${HEADROOM_ARCHS:-amd64 arm64}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mod=$(cd "$here/.." && pwd); root=$(cd "$mod/.." && pwd); target=$mod/target
: "${JAVA_HOME:?}"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

jar=$(ls "$target"/headroom-image-build-*.jar | grep -v -e sources -e tests | head -1)
cp "$jar" "$target/lib/appliance/"

# The update-signing key: HEADROOM_UPDATE_KEY=PREFIX (PREFIX.key, PREFIX.pub) or a per-checkout one in target/keys.
key=${HEADROOM_UPDATE_KEY:-$target/keys/release}
if [ ! -f "$key.pub" ]; then
  echo "stage: no update key at $key.pub; making a development key (set HEADROOM_UPDATE_KEY for a release key)" >&2
  "$JAVA_HOME/bin/java" -cp "$target/lib/appliance/*" io.headroom.image.update.UpdateCli keygen --out "$key"
fi

tarball() { # DIR OUT: a reproducible tar of DIR's contents
  find "$1" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --format=gnu \
    -C "$1" -cf "$2" .
}
docs() { # TREE PACKAGE JARDIR: copyright, changelog.Debian.gz and the bundled jars' licenses in /usr/share/doc/PACKAGE
  local d=$1/usr/share/doc/$2; mkdir -p "$d"
  install -m 0644 "$mod/src/files/common/copyright" "$d/copyright"
  { echo "# The jars in this package and the license each declares (its manifest's Bundle-License, else"
    echo "# the license named in its pom.xml; see the jar's META-INF/ for the full text and notices)."
    for j in "$3"/*.jar; do
      l=$(unzip -p "$j" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n //g' | sed -n 's/^Bundle-License: //p' | head -1 || true)
      [ -n "$l" ] || l=$(unzip -p "$j" 'META-INF/maven/*/*/pom.xml' 2>/dev/null | sed -n 's:.*<name>\(.*\)</name>.*:\1:p' | grep -i licen | head -1 || true)
      echo "$(basename "$j") ${l:-(see META-INF/)}"
    done; } > "$d/third-party-jars.txt"; chmod 0644 "$d/third-party-jars.txt"
  # Debian's changelog, one entry for this version, dated from SOURCE_DATE_EPOCH (reproducible)
  { echo "$2 ($version) unstable; urgency=medium"; echo
    echo "  * Upstream build $version. See /usr/share/doc/$2/README.md."; echo
    echo " -- Headroom maintainers <maintainers@headroom.invalid>  $(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
  } | gzip -9n > "$d/changelog.gz"; chmod 0644 "$d/changelog.gz" # a native version: changelog.gz
  # lintian's overrides, each justified in the file itself
  install -D -m 0644 "$mod/src/files/$4/lintian-overrides" "$1/usr/share/lintian/overrides/$2"
}
tidy() { # TREE ARCH: Debian's file modes (jlink writes the legal notices 0444), and native code stripped as
  # dh_strip does, where the host's binutils can (the host's architecture); elsewhere lintian is told why not
  find "$1" -type f -perm 0444 -exec chmod 0644 {} +
  if [ "$2" = "$(dpkg --print-architecture 2>/dev/null || echo amd64)" ] && command -v strip >/dev/null; then
    find "$1" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jexec -o -name jspawnhelper \) -print0 |
      while IFS= read -r -d '' f; do
        if [ "$(od -An -c -N4 "$f" | tr -d ' ')" = '177ELF' ]; then strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f"; fi
      done
  else
    printf '%s\n' "# $2: the build host's binutils cannot strip this architecture's ELF files" \
      "unstripped-binary-or-object *" >> "$1/usr/share/lintian/overrides/$3"
  fi
}
control() { # TEMPLATE_DIR OUT_DIR ARCH
  rm -rf "$2"; mkdir -p "$2"
  for f in "$1"/*; do
    sed -e "s/@VERSION@/$version/g" -e "s/@ARCH@/$3/g" "$f" > "$2/$(basename "$f")"
    chmod --reference="$f" "$2/$(basename "$f")"
  done
}

for arch in "${archs[@]}"; do
  # headroom-appliance
  s=$target/stage/appliance-$arch; t=$s/tree
  rm -rf "$s"; mkdir -p "$t"/usr/lib/headroom/lib "$t"/usr/bin "$t"/usr/lib/systemd/system "$t"/etc/headroom/update-keys \
    "$t"/etc/default "$t"/usr/share/doc/headroom-appliance
  "$here/build-runtime.sh" appliance "$arch" "$target/lib/appliance" "$t/usr/lib/headroom/runtime"
  cp "$target"/lib/appliance/*.jar "$t/usr/lib/headroom/lib/"
  install -m 0755 "$mod"/src/files/appliance/headroom-appliance "$mod"/src/files/appliance/headroom-update "$t/usr/bin/"
  install -m 0644 "$mod"/src/files/appliance/headroom-appliance.service "$t/usr/lib/systemd/system/"
  install -m 0644 "$mod"/src/files/appliance/headroom-appliance.default "$t/etc/default/headroom-appliance"
  # The example site is an example: no /etc/headroom/site.yaml is installed (without one the appliance runs
  # unconfigured and says so); the operator copies this one there and adapts it.
  install -D -m 0644 "$root"/sites/example-4feed.yaml "$t/usr/share/doc/headroom-appliance/examples/site.yaml"
  install -D -m 0644 "$mod"/src/files/appliance/headroom-appliance.sysusers "$t/usr/lib/sysusers.d/headroom-appliance.conf"
  install -m 0644 "$key.pub" "$t/etc/headroom/update-keys/release.pub"
  install -m 0644 "$mod"/README.md "$t/usr/share/doc/headroom-appliance/README.md"
  docs "$t" headroom-appliance "$t/usr/lib/headroom/lib" appliance
  for m in headroom-appliance headroom-update; do
    install -d "$t/usr/share/man/man1"; gzip -9n < "$mod/src/files/appliance/$m.1" > "$t/usr/share/man/man1/$m.1.gz"
    chmod 0644 "$t/usr/share/man/man1/$m.1.gz"
  done
  tidy "$t" "$arch" headroom-appliance
  tarball "$t" "$s/data.tar"
  control "$mod/src/deb/appliance" "$s/control" "$arch"

  # headroom-gpu-agent, when the agent exists (drivers/gpu-agent built into target/lib/agent)
  if ls "$target"/lib/agent/headroom-gpu-agent-*.jar >/dev/null 2>&1; then
    s=$target/stage/gpu-agent-$arch; t=$s/tree
    rm -rf "$s"; mkdir -p "$t"/usr/lib/systemd/system "$t"/etc/headroom "$t"/usr/share/doc/headroom-gpu-agent
    "$here/build-runtime.sh" gpu-agent "$arch" "$target/lib/agent" "$t/usr/lib/headroom-agent"
    cp "$target"/lib/agent/*.jar "$t/usr/lib/headroom-agent/lib/"
    unit=$root/drivers/gpu-agent/src/main/systemd/headroom-agent.service
    install -m 0644 "$unit" "$t/usr/lib/systemd/system/headroom-agent.service"
    install -m 0644 "$mod"/src/files/gpu-agent/agent.properties "$t/etc/headroom/agent.properties"
    install -D -m 0644 "$mod"/src/files/gpu-agent/headroom-agent.sysusers "$t/usr/lib/sysusers.d/headroom-agent.conf"
    install -m 0644 "$root"/drivers/gpu-agent/README.md "$t/usr/share/doc/headroom-gpu-agent/README.md"
    docs "$t" headroom-gpu-agent "$t/usr/lib/headroom-agent/lib" gpu-agent
    tidy "$t" "$arch" headroom-gpu-agent
    tarball "$t" "$s/data.tar"
    control "$mod/src/deb/gpu-agent" "$s/control" "$arch"
  else
    echo "stage: no gpu-agent jar in $target/lib/agent: headroom-gpu-agent not staged" >&2
  fi
done
