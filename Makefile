# namegen — build, test, run and benchmark. Needs only a Swift 6 toolchain.
SWIFT ?= swift
PYTHON ?= python3
BIN := .build/release/namegen
ARGS ?=

.PHONY: all build test test-release run bench bench-numpy bench-torch bench-data big-names clean

all: build

## build: release build of the namegen tool (.build/release/namegen)
build:
	$(SWIFT) build -c release --product namegen

## test: the unit and end-to-end tests (debug build, XCTest)
test:
	$(SWIFT) test --disable-swift-testing

## test-release: the same tests against an optimised build
test-release:
	$(SWIFT) test -c release --disable-swift-testing

## run: build, train the default model on names.txt (unless checkpoints/model.safetensors exists), and print 10 names
run: build
	@if [ -e checkpoints/model.safetensors ]; then \
		echo "checkpoints/model.safetensors exists: sampling from it ('make clean' or 'namegen train --force' trains again)" >&2; \
	else \
		$(BIN) train; \
	fi
	$(BIN) sample -n 10

## bench: matmul and training throughput (ARGS=--json for JSON lines)
bench:
	$(SWIFT) run -c release namegen-bench $(ARGS)

## bench-numpy: the matmul beside numpy's, shape by shape in alternating rounds (needs numpy)
bench-numpy:
	$(SWIFT) build -c release --product namegen-bench
	$(PYTHON) Sources/namegen-bench/compare_numpy.py $(ARGS)

## bench-torch: mlp training beside PyTorch's, in alternating rounds (needs PyTorch: see README)
bench-torch:
	$(SWIFT) build -c release --product namegen-bench
	$(PYTHON) Sources/namegen-bench/compare_torch.py $(ARGS)

## bench-data: reading and bigram-counting throughput in MB/s beside wc -l (DATA=file, default names.txt)
DATA ?= names.txt
bench-data:
	$(SWIFT) build -c release --product namegen-bench
	.build/release/namegen-bench --only data --data $(DATA) $(ARGS)

## big-names: N names (default 2000000) sampled from a bigram model of names.txt into OUT
N ?= 2000000
OUT ?= /tmp/names-$(N).txt
big-names: build
	$(BIN) train --model bigram --checkpoint /tmp/namegen-big-names.safetensors
	$(BIN) sample --checkpoint /tmp/namegen-big-names.safetensors -n $(N) --seed 1 > $(OUT)

## clean: remove build products and trained checkpoints
clean:
	rm -rf .build checkpoints
