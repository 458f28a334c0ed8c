# Hearth — the two commands a new user needs are `make run` and `make test`.
# `make bench` prints the benchmark figures (JSON lines) quoted in README.md.

CARGO ?= cargo

.PHONY: run test bench setup

## run: hearth-server on 127.0.0.1:8080 with ./data; the first run creates the demo city
run: setup
	$(CARGO) build --quiet --locked -p hearth-server
	./target/debug/hearth-server demo --data data
	./target/debug/hearth-server serve --data data --listen 127.0.0.1:8080

## test: every test of the project — formatting, lints, unit, property and crash tests
test: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) build --workspace --bins --locked   # the system tests run the real hearth-server
	$(CARGO) test --workspace --locked

## bench: every benchmark, in release mode, one JSON line per workload
bench: setup
	$(CARGO) build --quiet --release --locked -p hearth-server -p hearth-tests --bins
	./target/release/hearth-bench

## setup: install what the build and the tests need on a fresh Debian machine
setup:
	@bash scripts/setup.sh
