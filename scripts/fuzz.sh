#!/usr/bin/env bash
# `make fuzz`: runs each cargo-fuzz target of fuzz/ for a bounded time, one after the other,
# each in one process (FUZZ_SECONDS each, 60 by default; FUZZ_TARGETS="a b" to run only
# some). Installs cargo-fuzz into the project's .tools/ if it is missing, and needs the
# nightly toolchain (`rustup toolchain install nightly`). Each target starts from its
# checked-in seeds (fuzz/seeds/<target>/) plus what earlier runs kept (fuzz/corpus/<target>/,
# git-ignored); a crash is written to fuzz/artifacts/<target>/ and stops the run.
set -euo pipefail

say() { printf 'fuzz: %s\n' "$*" >&2; }
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_TARGETS="${FUZZ_TARGETS:-push_body stroke_points canonical_json household_csv}"

rustup run nightly cargo --version >/dev/null 2>&1 || {
  say "the nightly Rust toolchain is missing: rustup toolchain install nightly"
  exit 1
}
if [ ! -x .tools/bin/cargo-fuzz ] || ! grep -q "cargo-fuzz ${CARGO_FUZZ_VERSION} " .tools/.crates.toml 2>/dev/null; then
  say "installing cargo-fuzz ${CARGO_FUZZ_VERSION} into .tools/"
  cargo install cargo-fuzz --locked --version "${CARGO_FUZZ_VERSION}" --root .tools --quiet
fi
export PATH="$PWD/.tools/bin:$PATH"

# No sanitizer: every crate the targets reach forbids `unsafe` (the workspace lints), so a
# memory error cannot happen there; debug assertions and overflow checks stay on, and the
# targets run about twice as many inputs a second as under AddressSanitizer.
build=(--fuzz-dir fuzz --sanitizer none)
say "building the targets (nightly, release with debug assertions)"
cargo +nightly fuzz build "${build[@]}"

for target in $FUZZ_TARGETS; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  say "$target: ${FUZZ_SECONDS} s"
  log="fuzz/corpus/$target.log"
  status=0
  cargo +nightly fuzz run "${build[@]}" "$target" "$corpus" "fuzz/seeds/$target" -- \
    -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|SUMMARY|thread .* panicked)' "$log" >&2 || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    say "$target found a crash (the input is in fuzz/artifacts/$target/; the whole log: $log)"
    exit 1
  fi
done
say "no crash in ${FUZZ_TARGETS// /, } (${FUZZ_SECONDS} s each)"
