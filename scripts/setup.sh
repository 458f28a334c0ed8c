#!/usr/bin/env bash
# Installs what Hearth's build and tests need on a fresh Debian machine, and nothing when it
# is all there already (so `make test` stays fast on a warm machine). See
# ../shared/docs/ENVIRONMENT.md for the full list the later parts (Tauri, browsers) will need.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages, installed only if a command or pkg-config module is missing.
missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)   # bundled SQLite is C
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
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
