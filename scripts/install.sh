#!/usr/bin/env bash
# Install TinyStudio into a project-local virtual environment, .venv/, on a stock
# Debian/Ubuntu machine (or any machine with Python 3.10-3.12).
#
#   bash scripts/install.sh          app profile: Qt's runtime libraries + the Python package
#   bash scripts/install.sh --dev    + firmware toolchains, QEMU, Xvfb and the test tools
#
# Why a venv: Debian 12 and Ubuntu 23.04+ mark the system Python "externally managed"
# (PEP 668), so `pip install` outside a venv is refused. A venv in the checkout needs no
# --break-system-packages and is removed with `rm -rf .venv`. Afterwards run
# `.venv/bin/tinystudio` (or `source .venv/bin/activate`). Safe to run again: it only adds
# what is missing. Set PYTHON=/path/to/python3.x to choose the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=app
for arg in "$@"; do
  case "$arg" in
    --dev) PROFILE=dev ;;
    --app) PROFILE=app ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (use --dev or --app)" >&2; exit 2 ;;
  esac
done

PYTHON="${PYTHON:-python3}"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Everything the Qt 6 xcb platform plugin and its Qt libraries load on a minimal
# Debian/Ubuntu (checked with ldd on PySide6's libqxcb.so; `tinystudio doctor` re-checks).
QT_RUNTIME="libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
  libdbus-1-3 libglib2.0-0 libx11-6 libx11-xcb1 libxext6 libxrender1 libxi6 libsm6 libice6
  libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
  libxcb-xfixes0 libxcb-xinerama0 libxcb-xinput0 libxcb-xkb1 fonts-dejavu-core
  alsa-utils"
# alsa-utils: aplay plays a segment on the Label page (PySide6-Essentials has no QtMultimedia)
# Only for development and the tests: C toolchains for the firmware core, the emulated
# Cortex-M4 board, and a virtual X server for the real-window test.
DEV_TOOLS="gcc make clang gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
  xvfb xdotool"

apt_install() {
  # shellcheck disable=SC2086
  local missing=""
  for pkg in $1; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "install.sh: apt-get install$missing"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  packages="$QT_RUNTIME"
  [ "$PROFILE" = dev ] && packages="$packages $DEV_TOOLS"
  # The venv module is a separate package on Debian/Ubuntu (python3.X-venv).
  if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    ver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    packages="$packages python${ver}-venv"
  fi
  apt_install "$packages"
  # libFuzzer's runtime is split out of clang on Debian 12 / Ubuntu 24.04 (libclang-rt-N-dev);
  # on Ubuntu 22.04 it ships inside libclang-common-N-dev and no such package exists.
  if [ "$PROFILE" = dev ] && command -v clang >/dev/null 2>&1; then
    major=$(clang -dumpversion | cut -d. -f1)
    if apt-cache show "libclang-rt-${major}-dev" >/dev/null 2>&1; then
      apt_install "libclang-rt-${major}-dev"
    fi
  fi
else
  echo "install.sh: no apt-get here; install Qt's xcb libraries yourself (see README), then rerun" >&2
fi

if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))'; then
  echo "install.sh: TinyStudio needs Python 3.10-3.12 (TensorFlow's range); $PYTHON is $("$PYTHON" -V 2>&1)." >&2
  echo "install.sh: install one (e.g. apt-get install python3.11) and run PYTHON=python3.11 bash scripts/install.sh" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
VPY=.venv/bin/python
"$VPY" -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ "$PROFILE" = dev ]; then
  "$VPY" -m pip install --quiet --disable-pip-version-check -e ".[test]"
else
  "$VPY" -m pip install --quiet --disable-pip-version-check -e .
fi
echo "install.sh: TinyStudio installed in $(pwd)/.venv ($PROFILE profile); start it with .venv/bin/tinystudio"
