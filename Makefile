# Berth: `make run` starts the desktop app, `make test` runs every test against real services.
# Both install what is missing first (system packages via apt-get on Debian/Ubuntu, npm packages,
# tauri-driver for tests) and build the UI.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Build output lives outside the clone so a fresh checkout reuses compiled dependencies.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/berth/target
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: help setup run test bench build package bindings startup-order lint clean

help:
	@echo "make run      set up what is missing and start the Berth desktop app"
	@echo "make test     set up, start Docker/display/keychain, run all tests, stop what was started"
	@echo "make bench    run the benchmarks, Berth beside its peers, and write BENCHMARKS.md"
	@echo "make build    build the desktop app and the berth CLI"
	@echo "make package  build the .deb and .rpm (Tauri bundler; AppImage is left out)"
	@echo "make bindings regenerate ui/src/bindings from the Rust DTOs"
	@echo "make startup-order  trace an app launch and rewrite src-tauri/startup-order.txt"
	@echo "make lint     rustfmt and clippy"

setup:
	@scripts/setup.sh

build: setup
	cargo build --locked -p berth-desktop -p berth-cli

package: setup
	@scripts/package.sh

run: build
	@scripts/run.sh

test:
	@BERTH_SETUP_TEST=1 scripts/setup.sh
	@scripts/test.sh

bench: setup
	@scripts/bench.sh

startup-order: setup
	@scripts/startup-order.sh

bindings:
	BERTH_BLESS=1 cargo test -p berth-api --test bindings

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

clean:
	rm -rf ui/dist ui/node_modules
	cargo clean
