#!/usr/bin/env bash
# jlink'd Java 25 runtimes with only the modules a class path needs (found with jdeps).
#   build-runtime.sh NAME ARCH LIBDIR OUTDIR      ARCH: amd64 (from the build JDK) | arm64 (Debian trixie jmods)
# The arm64 jmods come from Debian's openjdk-25-jdk-headless:arm64, fetched with a private apt configuration
# under target/apt (never the host's). jlink refuses jmods of another version than its own, so the build JDK
# and Debian's package must be the same update release (today both 25.0.3+9); the script says so if not.
set -euo pipefail
name=$1 arch=$2 libdir=$3 out=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target=$(cd "$here/.." && pwd)/target
: "${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"

# 1. modules: jdeps over the whole class path (multi-release 25), plus what jdeps cannot see (reflection and
#    service loading): jdk.zipfs (Vert.x and logback read resources through it when configured so).
mods_file="$target/runtime/$name.modules"
mkdir -p "$target/runtime"
#    Explicit modules among the jars (pi4j's plugins) have their `requires` resolved even on the class path, so
#    the jars that can be modules are also jdeps' module path (ModulePathJars.java leaves out grid-interface,
#    whose derived automatic name is no Java name).
if [ ! -s "$mods_file" ] || [ -n "$(find "$libdir" -newer "$mods_file" -print -quit)" ]; then
  modjars=$("$JAVA_HOME/bin/java" "$here/ModulePathJars.java" "$libdir"/*.jar | paste -sd:)
  "$JAVA_HOME/bin/jdeps" -q --multi-release 25 --ignore-missing-deps --print-module-deps \
    ${modjars:+--module-path "$modjars"} --class-path "$libdir/*" "$libdir"/*.jar > "$mods_file.tmp"
  mv "$mods_file.tmp" "$mods_file"
fi
extra="jdk.zipfs"
mods="$(tr -d '\n' < "$mods_file"),$extra"

# The base class-data archive (lib/server/classes.jsa): without it the JVM maps no CDS at all and the appliance's
# -XX:+AutoCreateSharedArchive silently does nothing (its warning is switched off by -Xlog:cds=off). jlink dumps it
# by running the new runtime, so only for the build machine's architecture; arm64's is dumped in the image
# (rootfs-customize.sh, through qemu-user). The appliance runs with compact object headers, whose base archive
# is another file (classes_coh.jsa): dumped below with the same option.
cds=""
case "$arch" in
  amd64) modpath=""; strip=--strip-debug; cds=--generate-cds-archive ;;   # the build JDK itself (Temurin 25 links from its run-time image, JEP 493)
  arm64)
    jdk="$target/jdk-arm64/usr/lib/jvm/java-25-openjdk-arm64"
    if [ ! -f "$jdk/jmods/java.base.jmod" ]; then
      # shellcheck source=private-apt.sh
      . "$here/private-apt.sh"
      papt_init "$target/apt/trixie-arm64" "${HEADROOM_JMODS_SUITE:-trixie}" arm64
      echo "runtime: fetching openjdk-25-jdk-headless:arm64 from Debian ${HEADROOM_JMODS_SUITE:-trixie} (private apt in $PAPT_DIR)" >&2
      papt -qq update
      mkdir -p "$target/downloads/arm64"
      (cd "$target/downloads/arm64" && papt -qq download openjdk-25-jdk-headless 2>/dev/null)
      rm -rf "$target/jdk-arm64"
      dpkg-deb -x "$target"/downloads/arm64/openjdk-25-jdk-headless_*_arm64.deb "$target/jdk-arm64"
    fi
    modpath="$jdk/jmods"
    # --strip-debug would run the host's objcopy on aarch64 ELF files (and fail). Debian's jmods carry the native
    # debug symbols beside the libraries (25.0.5+8-1~deb13u1: lib/server/libjvm.debuginfo alone is 603 MB): the
    # *.debuginfo files are left out below.
    strip=--strip-java-debug-attributes
    ours=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')
    theirs=$(unzip -p "$jdk/jmods/java.base.jmod" classes/module-info.class 2>/dev/null | strings | grep -m1 -E '^25' || true)
    echo "runtime: build JDK $ours, Debian arm64 jmods ${theirs:-?}" >&2
    ;;
  *) echo "runtime: unknown arch $arch (amd64|arm64)" >&2; exit 2 ;;
esac

rm -rf "$out"
"$JAVA_HOME/bin/jlink" ${modpath:+--module-path "$modpath"} --add-modules "$mods" \
  "$strip" $cds --no-header-files --no-man-pages --compress zip-6 \
  --exclude-files='glob:**/lib/jrt-fs.jar,glob:**.debuginfo' --output "$out"
if [ -n "$cds" ]; then
  "$out/bin/java" -XX:+UseCompactObjectHeaders -Xshare:dump -Xlog:cds=warning >&2
fi
echo "runtime: $name-$arch: $(du -sh "$out" | cut -f1) with $mods" >&2
