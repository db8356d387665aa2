// scheduler.h: the block scheduler's entry point for launch.cpp (not seen by kernel code).
#pragma once
#include <cstddef>
#include "emu_types.h"

namespace imf_emu {

// Runs one block of blockDim threads, each calling body(closure) on its own fiber, with g_blockIdx,
// g_blockDim and g_gridDim already set. Returns false with a message in err on a fault or deadlock.
bool run_block(dim3 blockDim, void (*body)(void*), void* closure, char* err, size_t errLen);

}  // namespace imf_emu
