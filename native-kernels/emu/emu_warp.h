// emu_warp.h: warp shuffles, votes, matches, reductions and __syncwarp on top of warp_collective().
//
// Shuffles follow the PTX ISA pseudo-code of shfl.sync (source lane j from mode, b and the packed clamp /
// segment mask c), with c formed from `width` exactly as CUDA's sm_30_intrinsics.hpp does. What PTX leaves
// undefined is defined here so that it cannot pass unnoticed: a source lane that did not take part (not
// in the mask, exited, or past the end of the block) yields POISON (all bits set: a NaN for float and
// double, -1 for integers). A lane calling with a mask that does not name it, or lanes of one mask
// executing different intrinsics or masks, fault (see scheduler.cpp). 64-bit values move as one unit (CUDA
// moves two 32-bit halves with identical source lanes, so the result is the same).
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "emu_sched.h"

namespace imf_emu {

constexpr uint64_t POISON = ~0ull;

// The key every lane of a group must share: operation class, mode and qualifiers.
enum : uint64_t { OP_SHFL = 1, OP_VOTE = 2, OP_SYNCWARP = 3, OP_MATCH = 4, OP_REDUX = 5, OP_MMA = 6 };
constexpr uint64_t op_key(uint64_t op, uint64_t mode, uint64_t qualifier = 0) { return op | mode << 8 | qualifier << 16; }

enum : unsigned { SHFL_UP = 0, SHFL_DOWN = 1, SHFL_BFLY = 2, SHFL_IDX = 3 };

struct ShflIn {
    uint64_t bits;
    unsigned b;
};

// shfl.sync.{up,down,bfly,idx}: per lane, j from b and c (PTX ISA), own value when j is out of range.
inline void resolve_shfl(WarpOp* const* lanes, unsigned arrived, unsigned) {
    unsigned first = __builtin_ctz(arrived);
    uint64_t key = lanes[first]->key;
    unsigned mode = key >> 8 & 0xff, c = (unsigned)(key >> 16) & 0xffff;
    int cval = c & 31, segmask = c >> 8 & 31;
    for (int l = 0; l < 32; l++) {
        if (!(arrived >> l & 1)) continue;
        auto* in = (const ShflIn*)lanes[l]->in;
        int bval = in->b & 31, maxLane = (l & segmask) | (cval & ~segmask), minLane = l & segmask, j = l;
        bool pval = false;
        switch (mode) {
            case SHFL_UP: j = l - bval; pval = j >= maxLane; break;
            case SHFL_DOWN: j = l + bval; pval = j <= maxLane; break;
            case SHFL_BFLY: j = l ^ bval; pval = j <= maxLane; break;
            default: j = minLane | (bval & ~segmask); pval = j <= maxLane;
        }
        if (!pval) j = l;
        *(uint64_t*)lanes[l]->out = arrived >> j & 1 ? ((const ShflIn*)lanes[j]->in)->bits : POISON;
    }
}

inline unsigned shfl_c(int width, bool up, const char* name) {
    if (width < 1 || width > 32 || (width & (width - 1)))
        fault("%s: width %d is not a power of two in [1, 32]", name, width);
    return (unsigned)(32 - width) << 8 | (up ? 0u : 0x1fu);
}

template <class T>
T shfl(unsigned mask, T var, unsigned b, int width, unsigned mode, const char* name) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shuffles move 32- or 64-bit values");
    ShflIn in{0, b};
    std::memcpy(&in.bits, &var, sizeof(T));
    uint64_t out = 0;
    WarpOp op{name, op_key(OP_SHFL, mode, shfl_c(width, mode == SHFL_UP, name) | (uint64_t)sizeof(T) << 16), resolve_shfl,
              &in, &out};
    warp_collective(mask, op);
    T r;
    std::memcpy(&r, &out, sizeof(T));
    return r;
}

enum : unsigned { VOTE_BALLOT = 0, VOTE_ALL = 1, VOTE_ANY = 2, VOTE_UNI = 3 };

// vote.sync: the ballot holds a bit for each lane of the group that took part with a true predicate.
inline void resolve_vote(WarpOp* const* lanes, unsigned arrived, unsigned) {
    unsigned ballot = 0, first = __builtin_ctz(arrived), mode = lanes[first]->key >> 8 & 0xff;
    for (unsigned l = 0; l < 32; l++)
        if (arrived >> l & 1 && *(const int*)lanes[l]->in) ballot |= 1u << l;
    unsigned r = mode == VOTE_BALLOT ? ballot : mode == VOTE_ALL ? ballot == arrived : mode == VOTE_ANY ? ballot != 0
               : (ballot == 0 || ballot == arrived);
    for (unsigned l = 0; l < 32; l++)
        if (arrived >> l & 1) *(unsigned*)lanes[l]->out = r;
}

inline unsigned vote(unsigned mask, int pred, unsigned mode, const char* name) {
    int in = pred != 0;
    unsigned out = 0;
    WarpOp op{name, op_key(OP_VOTE, mode), resolve_vote, &in, &out};
    warp_collective(mask, op);
    return out;
}

inline void resolve_nothing(WarpOp* const*, unsigned, unsigned) {}

// match.sync.any: the lanes of the group holding the same value; .all: the group if all agree, else 0.
inline void resolve_match(WarpOp* const* lanes, unsigned arrived, unsigned) {
    unsigned first = __builtin_ctz(arrived), mode = lanes[first]->key >> 8 & 0xff;
    for (unsigned l = 0; l < 32; l++) {
        if (!(arrived >> l & 1)) continue;
        uint64_t v = *(const uint64_t*)lanes[l]->in;
        unsigned same = 0;
        for (unsigned k = 0; k < 32; k++)
            if (arrived >> k & 1 && *(const uint64_t*)lanes[k]->in == v) same |= 1u << k;
        *(unsigned*)lanes[l]->out = mode == 0 ? same : same == arrived ? arrived : 0;
    }
}

template <class T>
unsigned match(unsigned mask, T value, unsigned mode, const char* name) {
    static_assert(std::is_integral_v<T> || std::is_floating_point_v<T>, "match takes a scalar");
    uint64_t in = 0;
    std::memcpy(&in, &value, sizeof(T));
    unsigned out = 0;
    WarpOp op{name, op_key(OP_MATCH, mode, sizeof(T)), resolve_match, &in, &out};
    warp_collective(mask, op);
    return out;
}

enum : unsigned { REDUX_ADD = 0, REDUX_MIN = 1, REDUX_MAX = 2, REDUX_AND = 3, REDUX_OR = 4, REDUX_XOR = 5 };

// redux.sync (sm_80): the reduction over the lanes of the group that took part.
template <class T>
void resolve_redux(WarpOp* const* lanes, unsigned arrived, unsigned) {
    unsigned first = __builtin_ctz(arrived), mode = lanes[first]->key >> 8 & 0xff;
    T r = *(const T*)lanes[first]->in;
    for (unsigned l = first + 1; l < 32; l++) {
        if (!(arrived >> l & 1)) continue;
        T v = *(const T*)lanes[l]->in;
        switch (mode) {
            case REDUX_ADD: r = (T)(r + v); break;
            case REDUX_MIN: r = v < r ? v : r; break;
            case REDUX_MAX: r = v > r ? v : r; break;
            case REDUX_AND: r &= v; break;
            case REDUX_OR: r |= v; break;
            default: r ^= v;
        }
    }
    for (unsigned l = 0; l < 32; l++)
        if (arrived >> l & 1) *(T*)lanes[l]->out = r;
}

template <class T>
T redux(unsigned mask, T value, unsigned mode, const char* name) {
    T out{};
    WarpOp op{name, op_key(OP_REDUX, mode, std::is_signed_v<T>), resolve_redux<T>, &value, &out};
    warp_collective(mask, op);
    return out;
}

}  // namespace imf_emu

template <class T>
inline T __shfl_sync(unsigned mask, T var, int srcLane, int width = 32) {
    return imf_emu::shfl(mask, var, (unsigned)srcLane, width, imf_emu::SHFL_IDX, "__shfl_sync");
}
template <class T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = 32) {
    return imf_emu::shfl(mask, var, delta, width, imf_emu::SHFL_UP, "__shfl_up_sync");
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = 32) {
    return imf_emu::shfl(mask, var, delta, width, imf_emu::SHFL_DOWN, "__shfl_down_sync");
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = 32) {
    return imf_emu::shfl(mask, var, (unsigned)laneMask, width, imf_emu::SHFL_BFLY, "__shfl_xor_sync");
}

inline unsigned __ballot_sync(unsigned mask, int pred) { return imf_emu::vote(mask, pred, imf_emu::VOTE_BALLOT, "__ballot_sync"); }
inline int __all_sync(unsigned mask, int pred) { return (int)imf_emu::vote(mask, pred, imf_emu::VOTE_ALL, "__all_sync"); }
inline int __any_sync(unsigned mask, int pred) { return (int)imf_emu::vote(mask, pred, imf_emu::VOTE_ANY, "__any_sync"); }
inline int __uni_sync(unsigned mask, int pred) { return (int)imf_emu::vote(mask, pred, imf_emu::VOTE_UNI, "__uni_sync"); }

inline void __syncwarp(unsigned mask = 0xffffffffu) {
    imf_emu::WarpOp op{"__syncwarp", imf_emu::op_key(imf_emu::OP_SYNCWARP, 0), imf_emu::resolve_nothing, nullptr, nullptr};
    imf_emu::warp_collective(mask, op);
}

template <class T>
inline unsigned __match_any_sync(unsigned mask, T value) { return imf_emu::match(mask, value, 0, "__match_any_sync"); }
template <class T>
inline unsigned __match_all_sync(unsigned mask, T value, int* pred) {
    unsigned r = imf_emu::match(mask, value, 1, "__match_all_sync");
    *pred = r != 0;
    return r;
}

inline unsigned __reduce_add_sync(unsigned mask, unsigned v) { return imf_emu::redux(mask, v, imf_emu::REDUX_ADD, "__reduce_add_sync"); }
inline int __reduce_add_sync(unsigned mask, int v) { return imf_emu::redux(mask, v, imf_emu::REDUX_ADD, "__reduce_add_sync"); }
inline unsigned __reduce_min_sync(unsigned mask, unsigned v) { return imf_emu::redux(mask, v, imf_emu::REDUX_MIN, "__reduce_min_sync"); }
inline int __reduce_min_sync(unsigned mask, int v) { return imf_emu::redux(mask, v, imf_emu::REDUX_MIN, "__reduce_min_sync"); }
inline unsigned __reduce_max_sync(unsigned mask, unsigned v) { return imf_emu::redux(mask, v, imf_emu::REDUX_MAX, "__reduce_max_sync"); }
inline int __reduce_max_sync(unsigned mask, int v) { return imf_emu::redux(mask, v, imf_emu::REDUX_MAX, "__reduce_max_sync"); }
inline unsigned __reduce_and_sync(unsigned mask, unsigned v) { return imf_emu::redux(mask, v, imf_emu::REDUX_AND, "__reduce_and_sync"); }
inline unsigned __reduce_or_sync(unsigned mask, unsigned v) { return imf_emu::redux(mask, v, imf_emu::REDUX_OR, "__reduce_or_sync"); }
inline unsigned __reduce_xor_sync(unsigned mask, unsigned v) { return imf_emu::redux(mask, v, imf_emu::REDUX_XOR, "__reduce_xor_sync"); }
