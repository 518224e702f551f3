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
  install -m 0644 "$root"/sites/example-4feed.yaml "$t/etc/headroom/site.yaml"
  install -m 0644 "$key.pub" "$t/etc/headroom/update-keys/release.pub"
  install -m 0644 "$mod"/README.md "$t/usr/share/doc/headroom-appliance/README.md"
  tarball "$t" "$s/data.tar"
  control "$mod/src/deb/appliance" "$s/control" "$arch"

  # headroom-gpu-agent, when the agent exists (drivers/gpu-agent built into target/lib/agent)
  if ls "$target"/lib/agent/headroom-gpu-agent-*.jar >/dev/null 2>&1; then
    s=$target/stage/gpu-agent-$arch; t=$s/tree
    rm -rf "$s"; mkdir -p "$t"/usr/lib/systemd/system "$t"/etc/headroom "$t"/usr/share/doc/headroom-agent
    "$here/build-runtime.sh" gpu-agent "$arch" "$target/lib/agent" "$t/usr/lib/headroom-agent"
    cp "$target"/lib/agent/*.jar "$t/usr/lib/headroom-agent/lib/"
    unit=$root/drivers/gpu-agent/src/main/systemd/headroom-agent.service
    install -m 0644 "$unit" "$t/usr/lib/systemd/system/headroom-agent.service"
    install -m 0644 "$mod"/src/files/gpu-agent/agent.properties "$t/etc/headroom/agent.properties"
    install -m 0644 "$root"/drivers/gpu-agent/README.md "$t/usr/share/doc/headroom-agent/README.md"
    tarball "$t" "$s/data.tar"
    control "$mod/src/deb/gpu-agent" "$s/control" "$arch"
  else
    echo "stage: no gpu-agent jar in $target/lib/agent: headroom-gpu-agent not staged" >&2
  fi
done
