#!/bin/sh
# Install upi-conformance @VERSION@ from this offline kit into a new virtualenv. No network needed.
#
#   ./install.sh VENV
#   VENV/bin/upi-conformance -m preflight --inventory /path/site.yaml
#
# Python: $PYTHON if set, else the first of python3.12, python3.11, python3 on PATH that is
# CPython @PYTHONS@ (RHEL 8: dnf install python3.11; RHEL 9: dnf install python3.11 or python3.12).
# The kit's wheels are for x86_64 with glibc @GLIBC@ or newer (RHEL 8, RHEL 9).
set -eu

VERSION="@VERSION@"
SUPPORTED="@PYTHONS@"
GLIBC="@GLIBC@"
KIT=$(cd "$(dirname "$0")" && pwd)

die() { echo "install.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ "${1#-}" = "$1" ] || {
  echo "usage: $0 VENV    (installs upi-conformance $VERSION into the new virtualenv VENV)" >&2
  exit 2
}
VENV=$1

# "3.11 CPython x86_64 2.28" for an interpreter, or nothing when it does not run
describe() {
  "$1" -c 'import os, platform, sys
glibc = (os.confstr("CS_GNU_LIBC_VERSION") or "glibc ?").split()[-1] if hasattr(os, "confstr") else "?"
print("%d.%d %s %s %s" % (sys.version_info[0], sys.version_info[1],
      platform.python_implementation(), platform.machine(), glibc))' 2>/dev/null || true
}

supported() { # VERSION -> 0 when the kit has wheels for it
  for v in $SUPPORTED; do [ "$v" = "$1" ] && return 0; done
  return 1
}

if [ -n "${PYTHON:-}" ]; then
  candidates=$PYTHON
else
  candidates="python3.12 python3.11 python3"
fi
PY=""
tried=""
for c in $candidates; do
  path=$(command -v "$c" 2>/dev/null) || { tried="$tried, $c (not found)"; continue; }
  set -- $(describe "$path")
  if [ $# -lt 4 ]; then tried="$tried, $path (does not run)"; continue; fi
  if [ "$2" = CPython ] && supported "$1"; then PY=$path; PYVER=$1; ARCH=$3; LIBC=$4; break; fi
  tried="$tried, $path ($2 $1)"
done
[ -n "$PY" ] || die "no supported Python: this kit carries wheels for CPython $(echo "$SUPPORTED" | sed 's/ / and /g') only; found ${tried#, }.
  RHEL 8: dnf install python3.11   RHEL 9: dnf install python3.11 (or python3.12)
  then run again, or name one: PYTHON=/usr/bin/python3.11 $0 $VENV"
[ "$ARCH" = x86_64 ] || die "$PY runs on $ARCH: the kit's wheels are for x86_64"
case "$LIBC" in
  [0-9]*.[0-9]*)
    if [ "${LIBC%%.*}" -lt "${GLIBC%%.*}" ] || { [ "${LIBC%%.*}" -eq "${GLIBC%%.*}" ] &&
      [ "${LIBC#*.}" -lt "${GLIBC#*.}" ]; }; then
      die "glibc $LIBC is older than $GLIBC: the kit's wheels are for RHEL 8 (2.28) and newer"
    fi ;;
  *) die "$PY reports no glibc version: the kit's wheels are for glibc $GLIBC or newer (musl and others are not supported)" ;;
esac

# Every file the kit carries is in SHA256SUMS with its digest, and nothing else is in wheels/.
"$PY" - "$KIT" <<'EOF' || die "the kit is damaged or altered (see above): copy it again"
import hashlib, pathlib, sys
kit = pathlib.Path(sys.argv[1])
listed, bad = {}, []
for line in (kit / "SHA256SUMS").read_text().splitlines():
    digest, _, name = line.partition("  ")
    listed[name] = digest
for name, digest in listed.items():
    path = kit / name
    if not path.is_file():
        bad.append(f"{name}: missing")
    elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        bad.append(f"{name}: sha256 differs from SHA256SUMS")
for path in sorted((kit / "wheels").iterdir()):
    if f"wheels/{path.name}" not in listed:
        bad.append(f"wheels/{path.name}: not in SHA256SUMS")
for problem in bad:
    print(f"install.sh: {problem}", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

if [ -e "$VENV" ] && [ -n "$(ls -A "$VENV" 2>/dev/null)" ]; then
  die "$VENV exists and is not empty: remove it or name a new folder"
fi

echo "install.sh: Python $PYVER at $PY, glibc $LIBC; manifest checked"
"$PY" -m venv --without-pip "$VENV" || die "$PY -m venv failed (on RHEL: dnf install python$PYVER)"
# pip from the kit's own wheel, with no index, no configuration and no environment of this host
set -- "$KIT"/wheels/pip-*.whl
[ -f "$1" ] || die "the kit has no pip wheel"
PIP_CONFIG_FILE=/dev/null "$VENV/bin/python" "$1/pip" install --isolated --no-index \
  --find-links "$KIT/wheels" --only-binary=:all: --no-cache-dir --disable-pip-version-check \
  --quiet pip "upi-conformance==$VERSION" || die "pip could not install from the kit (see above)"
"$VENV/bin/upi-conformance" --list-checks >/dev/null || die "$VENV/bin/upi-conformance does not run"
echo "install.sh: upi-conformance $VERSION is in $VENV; run it from any folder:"
echo "  $VENV/bin/upi-conformance -m preflight --inventory /path/site.yaml"
