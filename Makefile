# Hearth — the two commands a new user needs are `make run` and `make test`.
# `make bench` prints the benchmark figures (JSON lines) quoted in README.md.

CARGO ?= cargo
DEVICE_DB ?= data/device.sqlite

.PHONY: run test bench setup

## run: a demo tablet database (100,000 households), searched, with a signed report saved
run: setup
	$(CARGO) run --quiet --locked -p hearth-core --bin hearth-store -- demo $(DEVICE_DB)

## test: every test of the project — formatting, lints, unit, property and crash tests
test: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) build --workspace --bins --locked   # the system tests run the real hearth-server
	$(CARGO) test --workspace --locked

## bench: every benchmark, in release mode, one JSON line per workload
bench: setup
	$(CARGO) run --quiet --release --locked -p hearth-tests --bin hearth-bench

## setup: install what the build and the tests need on a fresh Debian machine
setup:
	@bash scripts/setup.sh
