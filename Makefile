# Hearth — the two commands a new user needs are `make run` and `make test`.
# `make bench` prints the benchmark figures (JSON lines) quoted in README.md.

CARGO ?= cargo
NPM ?= npm

.PHONY: run test bench setup ui app fuzz soak

## run: hearth-server on 127.0.0.1:8080 with ./data (the first run creates the demo city) and
## the field app pointed at it; without a display the server alone keeps running
run: setup app
	$(CARGO) build --quiet --locked -p hearth-server
	./target/debug/hearth-server demo --data data
	@echo "run: the dispatchers' console is at http://127.0.0.1:8080/ (log in as dispatcher / demo-dispatcher; admin / demo-admin)"
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  ./target/debug/hearth-server serve --data data --listen 127.0.0.1:8080 & server=$$!; \
	  trap 'kill $$server' EXIT INT TERM; \
	  echo "run: opening the field app (log in as tech1 / demo-tech1)"; \
	  HEARTH_DATA_DIR=data/app HEARTH_SERVER_URL=http://127.0.0.1:8080 ./target/debug/hearth-app; \
	else \
	  echo "run: no display (DISPLAY is not set), so the field app cannot open; the server keeps running."; \
	  echo "run: on a desktop, run: HEARTH_DATA_DIR=data/app HEARTH_SERVER_URL=http://127.0.0.1:8080 ./target/debug/hearth-app"; \
	  ./target/debug/hearth-server serve --data data --listen 127.0.0.1:8080; \
	fi

## test: every test of the project — formatting, lints, UI type checks and unit tests, Rust unit, property,
## crash and system tests, the field app end to end (under its own Xvfb) and the console end to end
## (headless Chromium); then the system tests, the console's and the server's HTTP tests again with
## every server on PostgreSQL (the tests start their own); `app` builds both UIs first, since the
## binaries embed them
test: setup
	$(CARGO) fmt --all -- --check
	$(NPM) run check --silent   # TypeScript and Svelte types
	$(NPM) test --silent
	$(MAKE) --no-print-directory app
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) build --workspace --bins --locked   # the system tests run the real hearth-server and app
	$(CARGO) test --workspace --locked
	HEARTH_TEST_BACKEND=postgres $(CARGO) test --locked -p hearth-tests --test it --test console -- \
	  --skip crash:: --skip certs:: --skip instances::
	HEARTH_TEST_BACKEND=postgres $(CARGO) test --locked -p hearth-server --test it -- \
	  --skip storage:: --skip cli::   # the HTTP tests (the storage and CLI tests pick backends themselves)

## bench: every benchmark, in release mode, one JSON line per workload; the field app's
## (app_cold_start, app_search_keystroke) run its debug build under Xvfb
bench: setup app
	$(CARGO) build --quiet --release --locked -p hearth-server -p hearth-load -p hearth-tests --bins
	./target/release/hearth-bench

## fuzz: the cargo-fuzz targets of fuzz/ (push body, signature strokes, canonical JSON, household
## CSV), each for FUZZ_SECONDS (60 by default); needs the nightly toolchain; not part of `test`
fuzz:
	@bash scripts/fuzz.sh

## soak: the Jepsen-style sync test (tablets behind fault proxies, the server killed now and
## then) for ten minutes instead of make test's 15 seconds; HEARTH_JEPSEN_SEED repeats a run
soak: setup
	$(CARGO) build --locked -p hearth-server
	HEARTH_JEPSEN_SECS=$${HEARTH_JEPSEN_SECS:-600} $(CARGO) test --locked -p hearth-tests --test it jepsen -- --nocapture

## ui: the field app's UI, built into ui/dist (embedded by the app), and the dispatchers'
## console, built into ui/console/dist (embedded by hearth-server, so build it first)
ui: setup
	$(NPM) run build --silent
	$(NPM) run build:console --silent

## app: the field app (debug build: a release build takes ~8 minutes on two cores)
app: ui
	$(CARGO) build --locked -p hearth-app

## setup: install what the build and the tests need on a fresh Debian machine
setup:
	@bash scripts/setup.sh
