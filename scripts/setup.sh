#!/usr/bin/env bash
# Installs what Hearth's build and tests need on a fresh Debian machine, and nothing when it
# is all there already (so `make test` stays fast on a warm machine). See
# ../shared/docs/ENVIRONMENT.md for what each part is for.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }
cd "$(dirname "$0")/.."

# The version of tauri-driver the end-to-end tests use, installed into .tools/ (not on PATH).
TAURI_DRIVER_VERSION=2.1.0
# The version of schemathesis (PyPI) the API schema test runs, in the virtualenv .tools/venv.
SCHEMATHESIS_VERSION=4.32.5

# Debian packages, installed only if a command or pkg-config module is missing.
missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)   # bundled SQLite is C
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
# The Tauri shell: WebKitGTK and friends (tauri's Linux prerequisites).
pkg-config --exists webkit2gtk-4.1 2>/dev/null || missing+=(libwebkit2gtk-4.1-dev)
pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
pkg-config --exists librsvg-2.0 2>/dev/null || missing+=(librsvg2-dev)
pkg-config --exists ayatana-appindicator3-0.1 2>/dev/null || missing+=(libayatana-appindicator3-dev)
pkg-config --exists xdo 2>/dev/null || [ -e /usr/include/xdo.h ] || missing+=(libxdo-dev)
command -v file >/dev/null 2>&1 || missing+=(file)
# The end-to-end tests: a virtual display, the WebKit WebDriver, screenshots, Chinese fonts.
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb xauth)
command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
# (Asked for its version: a machine may have a stand-in `convert` that is not ImageMagick.)
convert -version 2>/dev/null | grep -c '^Version: ImageMagick' >/dev/null || missing+=(imagemagick)
command -v dbus-launch >/dev/null 2>&1 || missing+=(dbus-x11)
# The console's end-to-end tests: headless Chromium driven by playwright-core.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The printed service report, checked as a PDF page and its text (pdfinfo, pdftoppm, pdftotext).
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# (grep -c reads all of fc-list's output: with -q, pipefail would see fc-list's SIGPIPE.)
fc-list 2>/dev/null | grep -ci 'Noto Sans CJK' >/dev/null || missing+=(fonts-noto-cjk)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# The PostgreSQL backend's tests start a PostgreSQL server of their own (tests/src/postgres.rs):
# its server programs (initdb, pg_ctl), wherever Debian or HEARTH_PG_BIN puts them.
if ! { [ -x "${HEARTH_PG_BIN:-/nonexistent}/initdb" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }; then
  missing+=(postgresql)
fi
# The API schema test: schemathesis in a virtualenv (Debian's python3 has no venv/ensurepip
# without python3-venv).
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Rust toolchain's components the checks use.
command -v cargo >/dev/null 2>&1 || { say "cargo not found: install Rust with rustup (https://rustup.rs)"; exit 1; }
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    say "adding the Rust component $component"
    rustup component add "$component"
  fi
done

# The UI's packages, exactly as locked; again only when the lock changed since the last run.
command -v npm >/dev/null 2>&1 || { say "npm not found: install Node.js 20 or newer"; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.hearth-lock; then
  say "installing the UI's npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.hearth-lock
fi

# tauri-driver for the end-to-end tests, into the project's own .tools/.
# (tauri-driver has no --version: cargo's install record says which one is there.)
if [ ! -x .tools/bin/tauri-driver ] || ! grep -q "tauri-driver ${TAURI_DRIVER_VERSION} " .tools/.crates.toml 2>/dev/null; then
  say "installing tauri-driver ${TAURI_DRIVER_VERSION} into .tools/"
  cargo install tauri-driver --locked --version "${TAURI_DRIVER_VERSION}" --root .tools --quiet
fi

# schemathesis for the API schema test (tests/tests/it/api_schema.rs), into the project's own
# virtualenv .tools/venv; only when it is missing or another version.
if ! .tools/venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '${SCHEMATHESIS_VERSION}')" >/dev/null 2>&1; then
  say "installing schemathesis ${SCHEMATHESIS_VERSION} into .tools/venv"
  # (A venv whose Python no longer runs, e.g. made by another Python since removed, is remade.)
  .tools/venv/bin/python -c '' >/dev/null 2>&1 || python3 -m venv --clear .tools/venv
  .tools/venv/bin/python -m pip install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi
