#!/usr/bin/env bash
# Installs everything pagelens needs, idempotently, on a fresh machine:
#   scripts/setup.sh          Python environment (.venv) from uv.lock, with every extra
#   scripts/setup.sh --test   the same, plus the system packages the tests drive (Chromium, poppler)
# uv comes from PyPI into .tools/ so nothing outside the checkout is assumed; the lock file pins
# torch 2.13.0 with torchvision 0.28.0, a pair that imports (pip's local CPU torch wheel would not).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
UV=.tools/uv/bin/uv
if [ ! -x "$UV" ]; then
  echo "setup: installing uv $UV_VERSION into .tools/uv" >&2
  python3 -m venv .tools/uv
  .tools/uv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

"$UV" sync --frozen --all-extras --python 3.11 --quiet

if [ "${1:-}" = "--test" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
