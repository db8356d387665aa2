// emu_atomics.h: CUDA atomics. Threads are fibers that switch only at barriers and warp collectives, and
// one block runs at a time, so a plain read-modify-write is atomic here; each returns the old value.
// The order in which threads' atomics land follows the schedule (deterministic, not the GPU's order).
#pragma once

namespace imf_emu {
template <class T, class F>
inline T rmw(T* p, F f) {
    T old = *p;
    *p = f(old);
    return old;
}
}  // namespace imf_emu

#define IMF_EMU_ATOMIC(NAME, T, EXPR) \
    inline T NAME(T* p, T v) { return imf_emu::rmw(p, [v]([[maybe_unused]] T o) { return (T)(EXPR); }); }

IMF_EMU_ATOMIC(atomicAdd, int, o + v)
IMF_EMU_ATOMIC(atomicAdd, unsigned, o + v)
IMF_EMU_ATOMIC(atomicAdd, unsigned long long, o + v)
IMF_EMU_ATOMIC(atomicAdd, float, o + v)
IMF_EMU_ATOMIC(atomicAdd, double, o + v)
IMF_EMU_ATOMIC(atomicSub, int, o - v)
IMF_EMU_ATOMIC(atomicSub, unsigned, o - v)
IMF_EMU_ATOMIC(atomicExch, int, v)
IMF_EMU_ATOMIC(atomicExch, unsigned, v)
IMF_EMU_ATOMIC(atomicExch, unsigned long long, v)
IMF_EMU_ATOMIC(atomicExch, float, v)
IMF_EMU_ATOMIC(atomicMin, int, v < o ? v : o)
IMF_EMU_ATOMIC(atomicMin, unsigned, v < o ? v : o)
IMF_EMU_ATOMIC(atomicMin, long long, v < o ? v : o)
IMF_EMU_ATOMIC(atomicMin, unsigned long long, v < o ? v : o)
IMF_EMU_ATOMIC(atomicMax, int, v > o ? v : o)
IMF_EMU_ATOMIC(atomicMax, unsigned, v > o ? v : o)
IMF_EMU_ATOMIC(atomicMax, long long, v > o ? v : o)
IMF_EMU_ATOMIC(atomicMax, unsigned long long, v > o ? v : o)
IMF_EMU_ATOMIC(atomicAnd, int, o & v)
IMF_EMU_ATOMIC(atomicAnd, unsigned, o & v)
IMF_EMU_ATOMIC(atomicAnd, unsigned long long, o & v)
IMF_EMU_ATOMIC(atomicOr, int, o | v)
IMF_EMU_ATOMIC(atomicOr, unsigned, o | v)
IMF_EMU_ATOMIC(atomicOr, unsigned long long, o | v)
IMF_EMU_ATOMIC(atomicXor, int, o ^ v)
IMF_EMU_ATOMIC(atomicXor, unsigned, o ^ v)
IMF_EMU_ATOMIC(atomicXor, unsigned long long, o ^ v)
IMF_EMU_ATOMIC(atomicInc, unsigned, o >= v ? 0u : o + 1)
IMF_EMU_ATOMIC(atomicDec, unsigned, (o == 0 || o > v) ? v : o - 1)
#undef IMF_EMU_ATOMIC

inline int atomicCAS(int* p, int cmp, int v) { return imf_emu::rmw(p, [=](int o) { return o == cmp ? v : o; }); }
inline unsigned atomicCAS(unsigned* p, unsigned cmp, unsigned v) {
    return imf_emu::rmw(p, [=](unsigned o) { return o == cmp ? v : o; });
}
inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long cmp, unsigned long long v) {
    return imf_emu::rmw(p, [=](unsigned long long o) { return o == cmp ? v : o; });
}
inline unsigned short atomicCAS(unsigned short* p, unsigned short cmp, unsigned short v) {
    return imf_emu::rmw(p, [=](unsigned short o) { return o == cmp ? v : o; });
}

// Fences order memory between threads that run concurrently; here none do.
inline void __threadfence() {}
inline void __threadfence_block() {}
inline void __threadfence_system() {}
