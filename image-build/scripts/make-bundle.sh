#!/usr/bin/env bash
# Signed update bundles, one per architecture: target/bundles/headroom-update_VERSION_ARCH.hrb holding
# target/debs/*_ARCH.deb, a manifest and its Ed25519 signature (key: HEADROOM_UPDATE_KEY or target/keys/release).
set -euo pipefail
version=$1
mod=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd); target=$mod/target
: "${JAVA_HOME:?}"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$mod" log -1 --format=%ct 2>/dev/null || date +%s)}
key=${HEADROOM_UPDATE_KEY:-$target/keys/release}
mkdir -p "$target/bundles"
for arch in amd64 arm64; do
  debs=("$target"/debs/*_"$arch".deb)
  [ -e "${debs[0]}" ] || continue
  out=$target/bundles/headroom-update_${version}_$arch.hrb
  "$JAVA_HOME/bin/java" -cp "$target/lib/appliance/*" io.headroom.image.update.UpdateCli sign \
    --key "$key.key" --pub "$key.pub" --version "$version" --arch "$arch" --out "$out" "${debs[@]}"
  "$JAVA_HOME/bin/java" -cp "$target/lib/appliance/*" io.headroom.image.update.UpdateCli verify \
    --trusted "$(dirname "$key")" "$out"
done
