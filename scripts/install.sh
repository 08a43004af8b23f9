#!/usr/bin/env bash
# Install everything TinyStudio and its tests need on a fresh Debian/Ubuntu machine:
# the system libraries Qt needs, the C toolchains the firmware tests use, and the Python
# package with its test extra. Safe to run again; uses sudo only when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
    gcc make clang gcc-arm-none-eabi libnewlib-arm-none-eabi >/dev/null
fi

python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e ".[test]"
