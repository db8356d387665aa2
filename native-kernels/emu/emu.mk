# emu.mk: builds the CPU emulator of our CUDA kernels (docs/EMULATION.md); included by the Makefile.
#   $(EMU_DIR)/libimfemu.so           every native-kernels/*.cu, compiled unchanged under native-kernels/emu/
#   $(EMU_DIR)/libimfemu-selftest.so  the emulator's own check kernels (native-kernels/emu/selftest/*.cu)
#   $(EMU_DIR)/mutants/<name>.so      deliberately broken kernels (native-kernels/emu/mutants/*.mutant) that
#                                     the tests must catch; built from copies, never from the real sources
EMU_DIR ?= $(BUILD_DIR)/emu
EMU_SRC := native-kernels/emu
EMU_CXX ?= g++
# -fno-ipa-reference-addressable: else g++ folds reads of a __shared__ array that no code writes to 0, not poison
EMU_FLAGS := -std=c++20 -O2 -fPIC -fvisibility=hidden -ffp-contract=off -Wall -Wno-unknown-pragmas -fno-ipa-reference-addressable
EMU_CXXFLAGS := $(EMU_FLAGS) -MMD -MP -I$(EMU_SRC) -I$(EMU_SRC)/include
EMU_LDFLAGS := -shared -Wl,-z,defs -Wl,--version-script=$(EMU_SRC)/exports.map
EMU_PTX := src/main/resources/ptx

EMU_FAMILIES := $(basename $(notdir $(wildcard native-kernels/*.cu)))
EMU_SELFTESTS := $(basename $(notdir $(wildcard $(EMU_SRC)/selftest/*.cu)))
EMU_MUTANTS := $(basename $(notdir $(wildcard $(EMU_SRC)/mutants/*.mutant)))
EMU_RT_OBJ := $(addprefix $(EMU_DIR)/obj/rt/,scheduler.o fiber.o launch.o)
EMU_LIBS := $(EMU_DIR)/libimfemu.so $(EMU_DIR)/libimfemu-selftest.so $(EMU_MUTANTS:%=$(EMU_DIR)/mutants/%.so)
# What a mutant's copy of native-kernels/ is made from.
EMU_ALL_SOURCES := $(wildcard native-kernels/*.cu native-kernels/*.cuh $(EMU_SRC)/*.h $(EMU_SRC)/include/*.h $(EMU_SRC)/selftest/*.cu)

.PHONY: emu emu-cxx emu-nvcc-check emu-force
.PRECIOUS: $(EMU_DIR)/gen/%.cpp $(EMU_DIR)/gen/selftest/%.cpp
emu: $(EMU_LIBS)

# Rewritten only when the compiler or flags change, so that a change rebuilds every object.
$(EMU_DIR)/flags: emu-force
	@mkdir -p $(@D)
	@echo '$(EMU_CXX) $(EMU_FLAGS)' | cmp -s - $@ || echo '$(EMU_CXX) $(EMU_FLAGS)' > $@

emu-cxx:
	@command -v $(EMU_CXX) >/dev/null 2>&1 || { echo "make emu: $(EMU_CXX) not found (Debian: apt-get install g++; .ci/run installs it)" >&2; exit 1; }

$(EMU_DIR)/obj/rt/%.o: $(EMU_SRC)/%.cpp $(EMU_DIR)/flags | emu-cxx
	@mkdir -p $(@D)
	$(EMU_CXX) $(EMU_CXXFLAGS) -c $< -o $@

# The generated family file is rewritten only when its text changes, so a PTX rebuild recompiles nothing new.
$(EMU_DIR)/gen/%.cpp: native-kernels/%.cu $(EMU_SRC)/gen-family.sh $(wildcard $(EMU_PTX)/*.ptx) | emu-cxx
	@mkdir -p $(@D)
	@sh $(EMU_SRC)/gen-family.sh $< $* $(EMU_PTX)/$*.ptx > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; touch $@; else mv $@.tmp $@; echo "generated $@"; fi

$(EMU_DIR)/gen/selftest/%.cpp: $(EMU_SRC)/selftest/%.cu $(EMU_SRC)/gen-family.sh | emu-cxx
	@mkdir -p $(@D)
	sh $(EMU_SRC)/gen-family.sh $< $* > $@

$(EMU_DIR)/obj/%.o: $(EMU_DIR)/gen/%.cpp $(EMU_DIR)/flags | emu-cxx
	@mkdir -p $(@D)
	$(EMU_CXX) $(EMU_CXXFLAGS) -c $< -o $@

$(EMU_DIR)/libimfemu.so: $(EMU_RT_OBJ) $(EMU_FAMILIES:%=$(EMU_DIR)/obj/%.o) $(EMU_SRC)/exports.map
	$(EMU_CXX) $(EMU_LDFLAGS) -o $@ $(filter %.o,$^)

$(EMU_DIR)/libimfemu-selftest.so: $(EMU_RT_OBJ) $(EMU_SELFTESTS:%=$(EMU_DIR)/obj/selftest/%.o) $(EMU_SRC)/exports.map
	$(EMU_CXX) $(EMU_LDFLAGS) -o $@ $(filter %.o,$^)

$(EMU_DIR)/mutants/%.so: $(EMU_SRC)/mutants/%.mutant $(EMU_DIR)/flags $(EMU_RT_OBJ) $(EMU_ALL_SOURCES) $(EMU_SRC)/mutate.sh $(EMU_SRC)/gen-family.sh $(EMU_SRC)/exports.map | emu-cxx
	@mkdir -p $(@D)
	@fam=$$(sh $(EMU_SRC)/mutate.sh $< $(EMU_DIR)/mutants/$*) && name=$$(basename $$fam .cu) && \
	  sh $(EMU_SRC)/gen-family.sh $(EMU_DIR)/mutants/$*/$$fam $$name $(EMU_PTX)/$$name.ptx > $(EMU_DIR)/mutants/$*.cpp && \
	  echo "mutant $* ($$fam)" && \
	  $(EMU_CXX) $(EMU_FLAGS) -I$(EMU_DIR)/mutants/$*/emu -I$(EMU_DIR)/mutants/$*/emu/include -c $(EMU_DIR)/mutants/$*.cpp -o $(EMU_DIR)/mutants/$*.o && \
	  $(EMU_CXX) $(EMU_LDFLAGS) -o $@ $(EMU_RT_OBJ) $(EMU_DIR)/mutants/$*.o

# The self-test kernels (mma.cuh among them) must also compile for the GPU; `make ptx` runs this when nvcc is there.
emu-nvcc-check:
	@for f in $(wildcard $(EMU_SRC)/selftest/*.cu); do n=$$(basename $$f .cu); echo "nvcc $$f (check only, not shipped)"; \
	  nvcc -ptx -arch=compute_80 $$f -o $${TMPDIR:-/tmp}/imf-emu-$$n.ptx && \
	  ptxas -arch=sm_80 $${TMPDIR:-/tmp}/imf-emu-$$n.ptx -o /dev/null || exit 1; rm -f $${TMPDIR:-/tmp}/imf-emu-$$n.ptx; done

-include $(wildcard $(EMU_DIR)/obj/*.d $(EMU_DIR)/obj/rt/*.d $(EMU_DIR)/obj/selftest/*.d)
