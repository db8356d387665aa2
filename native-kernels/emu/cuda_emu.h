// cuda_emu.h: compiles our CUDA kernel sources, unchanged, as host C++20 for the CPU emulator.
//
// Included first by every generated family file (target/emu/gen/<family>.cpp, see gen-family.sh), which
// then includes native-kernels/<family>.cu inside a namespace of its own. Mapping:
//   __global__ __device__ __host__      plain functions (kernels are called once per emulated thread)
//   threadIdx blockIdx blockDim gridDim  the running fiber's coordinates (emu_sched.h)
//   __shared__                          thread_local: block-scope statics and `extern __shared__` arrays
//                                       both become TLS of this library, which is shared memory for the
//                                       block running on the launching thread; launch.cpp fills it with
//                                       0xff bytes (NaN, -1) before every block
//   __syncthreads, shuffles, votes      a barrier and warp collectives of the fiber scheduler (scheduler.cpp)
//   atomics, math, bf16/half            emu_atomics.h, emu_math.h (host vs GPU last-bit notes), emu_fp16.h
// IMF_EMU is defined so that a header can choose an emulated twin of inline PTX (see mma.cuh).
#pragma once
#define IMF_EMU 1

#include <math.h>
#include <cfloat>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "emu_types.h"
#include "emu_sched.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __restrict__ __restrict
#define __shared__ thread_local
#define __constant__
#define __managed__
#define __grid_constant__
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)

#define threadIdx (::imf_emu::g_thread->threadIdx)
#define blockIdx (::imf_emu::g_blockIdx)
#define blockDim (::imf_emu::g_blockDim)
#define gridDim (::imf_emu::g_gridDim)
constexpr int warpSize = 32;

inline void __syncthreads() { ::imf_emu::barrier(0, 0); }
inline int __syncthreads_count(int pred) { return ::imf_emu::barrier(1, pred); }
inline int __syncthreads_and(int pred) { return ::imf_emu::barrier(2, pred); }
inline int __syncthreads_or(int pred) { return ::imf_emu::barrier(3, pred); }

#include "emu_math.h"
#include "emu_atomics.h"
#include "emu_warp.h"
#include "emu_fp16.h"
