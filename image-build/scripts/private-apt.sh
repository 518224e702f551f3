#!/usr/bin/env bash
# A private apt configuration under a folder (default image-build/target/apt): its own sources, lists,
# cache, status and architecture. It never reads or writes the host's /etc/apt or /var/lib/apt state.
#   . private-apt.sh; papt_init DIR SUITE ARCH; papt update; papt download PKG...
set -euo pipefail

papt_init() {
  PAPT_DIR=$1; PAPT_SUITE=$2; PAPT_ARCH=$3
  PAPT_MIRROR=${HEADROOM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  mkdir -p "$PAPT_DIR"/{etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,etc/trusted.gpg.d,state/lists/partial,cache/archives/partial,log}
  : > "$PAPT_DIR/state/status"
  cat > "$PAPT_DIR/etc/sources.list" <<SRC
deb [arch=$PAPT_ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $PAPT_MIRROR $PAPT_SUITE main
SRC
  PAPT_OPTS=(
    -o "Dir::Etc=$PAPT_DIR/etc"
    -o "Dir::Etc::sourcelist=$PAPT_DIR/etc/sources.list"
    -o "Dir::Etc::sourceparts=$PAPT_DIR/etc/sources.list.d"
    -o "Dir::Etc::parts=$PAPT_DIR/etc/apt.conf.d"
    -o "Dir::Etc::preferencesparts=$PAPT_DIR/etc/preferences.d"
    -o "Dir::Etc::trustedparts=$PAPT_DIR/etc/trusted.gpg.d"
    -o "Dir::State=$PAPT_DIR/state"
    -o "Dir::State::status=$PAPT_DIR/state/status"
    -o "Dir::Cache=$PAPT_DIR/cache"
    -o "Dir::Log=$PAPT_DIR/log"
    -o "APT::Architecture=$PAPT_ARCH"
    -o "APT::Architectures::=$PAPT_ARCH"
    -o "Acquire::Languages=none"
    -o "Debug::NoLocking=1"
  )
}

papt() { apt-get "${PAPT_OPTS[@]}" "$@"; }
papt_cache() { apt-cache "${PAPT_OPTS[@]}" "$@"; }
