# sk-rescue: the two commands of the README's quick start are `make run` and
# `make test`; .ci/run calls `make test`.
GO ?= go
OUT ?= rescued

.PHONY: run build test deps test-deps bench lab

build: deps
	$(GO) build -o sk-rescue ./cmd/sk-rescue

# Export everything from the built-in simulated handset into $(OUT).
run: build
	./sk-rescue export --all --device sim --out $(OUT)

# Every test, against the simulators and real servers on loopback.
test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh test

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./device/mtp/ ./recovery/...

# The USB lab: sk-rescue and libmtp against real USB devices on a real Linux
# USB stack in a QEMU guest (docs/TESTING.md). Installs what it needs.
lab:
	lab/run.sh
