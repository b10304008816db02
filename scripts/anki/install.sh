#!/bin/sh
# Installs real Anki (Debian bullseye's anki 2.1.15, a pure-Python importer) for `npm run test:anki`.
# The package is downloaded with apt from the bullseye suite of the archive this machine already
# uses, without adding that suite to the system's sources, and unpacked (not installed) into
# $ANKI_DEB_DIR (default /tmp/anki-deb). Idempotent. Needs root (apt) on a fresh machine.
set -eu

DEST=${ANKI_DEB_DIR:-/tmp/anki-deb}
WORK=${ANKI_APT_DIR:-/tmp/apt-bullseye}
DEB_VERSION='2.1.15+dfsg-3'

have_anki() { [ -f "$DEST/usr/share/anki/anki/__init__.py" ]; }
have_decorator() { /usr/bin/python3 -c 'import decorator' 2>/dev/null; }

if have_anki && have_decorator; then
  echo "anki $DEB_VERSION already unpacked in $DEST"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (it calls apt-get)" >&2
  exit 1
fi

apt-get update
if ! have_decorator; then
  # The one module Anki 2.1.15's import path needs beyond the standard library.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-decorator
fi

if ! have_anki; then
  URI=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$URI" ] || URI=http://deb.debian.org/debian
  mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial"
  echo "deb $URI bullseye main" > "$WORK/sources.list"
  set -- -o "Dir::Etc::sourcelist=$WORK/sources.list" -o Dir::Etc::sourceparts=- \
    -o "Dir::State::Lists=$WORK/lists" -o "Dir::Cache=$WORK/cache"
  apt-get "$@" update
  # apt downloads as the unprivileged _apt user where it exists: let it write here.
  if id _apt >/dev/null 2>&1; then chown _apt "$WORK"; fi
  (cd "$WORK" && apt-get "$@" download "anki=$DEB_VERSION")
  rm -rf "$DEST.partial"
  dpkg-deb -x "$WORK/anki_${DEB_VERSION}_all.deb" "$DEST.partial"
  rm -rf "$DEST"
  mv "$DEST.partial" "$DEST"
fi

have_anki || { echo "install.sh: anki not found in $DEST after unpacking" >&2; exit 1; }
have_decorator || { echo "install.sh: python3-decorator missing" >&2; exit 1; }
echo "anki $DEB_VERSION unpacked in $DEST"
