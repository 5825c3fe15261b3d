# namegen — build, test, run and benchmark. Needs only a Swift 6 toolchain.
SWIFT ?= swift
PYTHON ?= python3
BIN := .build/release/namegen
ARGS ?=

.PHONY: all build test test-release test-torch run example install uninstall check-minimal-root bench bench-numpy bench-torch bench-data big-names clean

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

## test-torch: the PyTorch loader (Sources/namegen-torch) against the release namegen, every model;
## needs torch in $(PYTHON), e.g. make test-torch PYTHON=/root/torchvenv/bin/python
test-torch: build
	$(PYTHON) Sources/namegen-torch/test_namegen_torch.py --namegen $(BIN)

## run: build, train the default model on names.txt (unless checkpoints/model.safetensors exists), and print 10 names
run: build
	@if [ -e checkpoints/model.safetensors ]; then \
		echo "checkpoints/model.safetensors exists: sampling from it ('make clean' or 'namegen train --force' trains again)" >&2; \
	else \
		$(BIN) train; \
	fi
	$(BIN) sample -n 10

## example: builds and runs docs/example, an app that uses the library: it samples 10 names and
## scores 3 with checkpoints/model.safetensors. When that does not exist it is trained first with
## the tool of EXAMPLE_CONFIG (release by default; built if missing) and EXAMPLE_TRAIN_ARGS
## (e.g. "--steps 2000", as CI does with the debug tool its tests built)
EXAMPLE_CONFIG ?= release
EXAMPLE_TRAIN_ARGS ?=
example:
	@if [ ! -e checkpoints/model.safetensors ]; then \
		[ -x .build/$(EXAMPLE_CONFIG)/namegen ] || $(SWIFT) build -c $(EXAMPLE_CONFIG) --product namegen; \
		.build/$(EXAMPLE_CONFIG)/namegen train $(EXAMPLE_TRAIN_ARGS); \
	fi
	$(SWIFT) run --package-path docs/example NameGenExample

## install: the tool with the Swift and C++ runtimes linked in (it needs only the C and math
## libraries), its bash, zsh and fish completions and its man page, under $(DESTDIR)$(PREFIX)
## (PREFIX=/usr/local by default)
PREFIX ?= /usr/local
DESTDIR ?=
STATIC_BIN := .build-static/release/namegen
# The C++ runtime that the Swift runtime needs, linked from its archive: a directory that holds
# only libstdc++.a, searched before the toolchain's, turns the runtime's -lstdc++ into the
# archive, and -static-libgcc links the unwinder it uses. Without libstdc++.a (CLANG finds none)
# the binary links libstdc++.so instead.
CLANG ?= $(dir $(shell command -v $(SWIFT)))clang
STATIC_CXX_DIR := $(CURDIR)/.build-static/libstdc++
install:
	@archive=$$($(CLANG) -print-file-name=libstdc++.a 2>/dev/null); mkdir -p $(STATIC_CXX_DIR); \
	if [ -f "$$archive" ]; then ln -sf "$$archive" $(STATIC_CXX_DIR)/libstdc++.a; \
	else rm -f $(STATIC_CXX_DIR)/libstdc++.a; echo "install: no libstdc++.a, so namegen will need libstdc++.so" >&2; fi
	$(SWIFT) build -c release --static-swift-stdlib --product namegen --scratch-path .build-static \
		-Xswiftc -L -Xswiftc $(STATIC_CXX_DIR) -Xswiftc -Xclang-linker -Xswiftc -static-libgcc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 -s $(STATIC_BIN) $(DESTDIR)$(PREFIX)/bin/namegen
	$(STATIC_BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/namegen
	$(STATIC_BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_namegen
	$(STATIC_BIN) completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/namegen.fish
	$(STATIC_BIN) --man > $(DESTDIR)$(PREFIX)/share/man/man1/namegen.1

## uninstall: removes what install put under $(DESTDIR)$(PREFIX)
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/namegen $(DESTDIR)$(PREFIX)/share/man/man1/namegen.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/namegen $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_namegen \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/namegen.fish

## check-minimal-root: the installed binary in a minimal Debian root without Swift, against the
## normal build (.ci/minimal-root-check; needs root and, the first time, network; the root is kept
## in NAMEGEN_MINROOT, default /tmp/namegen-minroot)
check-minimal-root:
	.ci/minimal-root-check

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
