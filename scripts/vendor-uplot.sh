#!/usr/bin/env bash
# scripts/vendor-uplot.sh [VERSION]
# Re-vendors uPlot (https://github.com/leeoniya/uPlot, MIT) from the npm registry into the dashboard's resources,
# so the appliance serves it itself (no CDN: an appliance at the switchgear has no internet). npm checks the
# tarball against the registry's sha512 integrity; the sha256 of each vendored file is written to uPlot.sha256,
# which DashboardAssetsTest checks against the files in the jar. Run it, review the diff, commit.
set -euo pipefail
version=${1:-1.6.32}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$here/appliance/src/main/resources/io/headroom/appliance/dashboard/vendor"
command -v npm >/dev/null || { echo "vendor-uplot: npm is needed (apt-get install npm)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "uplot@$version" >/dev/null && tar xzf "uplot-$version.tgz")
mkdir -p "$dest"
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$dest/"
cp "$tmp/package/LICENSE" "$dest/uPlot.LICENSE"
(cd "$dest" && sha256sum uPlot.iife.min.js uPlot.min.css > uPlot.sha256)
echo "uplot $version $(npm view "uplot@$version" dist.integrity)" > "$dest/uPlot.version"
echo "vendored uPlot $version into $dest"
