// emu_sched.h: what kernel code compiled under emulation sees of the block scheduler (scheduler.cpp).
//
// One block runs at a time (launches are serialised), each of its threads a fiber. A fiber runs until
// it reaches a barrier or a warp collective (or exits); the scheduler then resumes another one. So the
// state below describes "the running thread" and is valid only inside a kernel.
#pragma once
#include <cstdint>
#include "emu_types.h"

namespace imf_emu {

// Coordinates of one emulated thread. linear = x + y·bx + z·bx·by; warps are consecutive linear runs of
// 32 (CUDA's rule), lane = linear % 32.
struct ThreadCoords {
    uint3 threadIdx;
    unsigned linear, lane, warp;
};

extern const ThreadCoords* g_thread;  // the running thread (set by the scheduler before each switch)
extern uint3 g_blockIdx;
extern dim3 g_blockDim, g_gridDim;

// __syncthreads and its reducing variants (op: 0 none, 1 count, 2 and, 3 or of pred over the block).
// Every thread of the block must arrive; a thread that has exited makes the barrier a fault.
int barrier(int op, int pred);

// One lane's part in a warp-level collective (shuffle, vote, __syncwarp, mma). The calling lane blocks
// until every non-exited lane named in `mask` has reached a collective; those lanes must then agree on
// `key` (operation and qualifiers) and on the mask, else the launch faults. resolve() then runs once for
// the group: lanes[l] is lane l's WarpOp (null unless l is in `arrived`, the non-exited lanes of mask).
struct WarpOp {
    const char* name;  // the intrinsic, for messages
    uint64_t key;
    void (*resolve)(WarpOp* const* lanes, unsigned arrived, unsigned mask);
    const void* in;    // this lane's operands
    void* out;         // this lane's results (written by resolve)
};
void warp_collective(unsigned mask, WarpOp& op);

// Ends the launch with an error naming the block and thread; the calling thread never resumes.
[[noreturn]] void fault(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace imf_emu
