# Sourced by scripts/run and scripts/test: install what is missing, idempotently.
# Usage: bootstrap [--test]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  # Install Debian packages that are missing; skip quietly when all are present.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo ">>> installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

bootstrap() {
  local with_test="${1:-}"
  # WeasyPrint needs Pango; DejaVu/Noto fonts carry every Vietnamese diacritic; Liberation
  # Serif (metrics of Times New Roman) sets the official documents of Decree 30/2020/NĐ-CP.
  local packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core fonts-liberation2 python3-venv)
  if [ "$with_test" = "--test" ]; then
    packages+=(chromium postgresql poppler-utils redis-server)
  fi
  if command -v dpkg-query >/dev/null 2>&1; then
    apt_install "${packages[@]}"
  else
    echo ">>> not a Debian system: make sure Pango, Chromium and PostgreSQL are installed" >&2
  fi

  if [ ! -x "$VENV/bin/python" ]; then
    echo ">>> creating virtualenv in .venv"
    "$PYTHON" -m venv "$VENV"
  fi
  local extras="" stamp
  [ "$with_test" = "--test" ] && extras="[test]"
  stamp="$VENV/.installed-$(cat "$ROOT/pyproject.toml" | sha1sum | cut -c1-12)${extras:+-test}"
  # uv installs in seconds what pip takes minutes to resolve and fetch (both read PyPI).
  if [ ! -x "$VENV/bin/uv" ]; then
    echo ">>> installing uv (the installer) in .venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check "uv>=0.9,<1"
  fi
  if [ ! -f "$stamp" ]; then
    echo ">>> installing Python packages"
    "$VENV/bin/uv" pip install -q --compile-bytecode --python "$VENV/bin/python" -e "$ROOT$extras"
    touch "$stamp"
  fi
  if [ "$with_test" = "--test" ]; then
    # localstripe, the local Stripe stand-in, in its own venv: its pinned deps stay apart.
    if [ ! -x "$ROOT/.venv-localstripe/bin/localstripe" ]; then
      echo ">>> installing localstripe in .venv-localstripe"
      "$PYTHON" -m venv --without-pip "$ROOT/.venv-localstripe"
      "$VENV/bin/uv" pip install -q --compile-bytecode --python "$ROOT/.venv-localstripe/bin/python" "localstripe>=1.15,<1.16"
    fi
    # vietnam-qr-pay, the independent VietQR decoder of the payment-sign tests, as locked.
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    local js_stamp
    js_stamp="$ROOT/tests/js/node_modules/.installed-$(sha1sum < "$ROOT/tests/js/package-lock.json" | cut -c1-12)"
    if [ ! -f "$js_stamp" ]; then
      echo ">>> installing the test decoders in tests/js (npm ci)"
      (cd "$ROOT/tests/js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
      touch "$js_stamp"
    fi
  fi
  # Compiled catalogs are build products: make them from the committed .po files.
  (cd "$ROOT" && FLASK_APP=portal PORTAL_ENV=development "$VENV/bin/flask" translate compile >/dev/null)
}
