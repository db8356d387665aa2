// emu_fp16.h: __nv_bfloat16 and __half with the conversions kernels use, rounding to nearest even.
//
// float → bf16 / half round to nearest, ties to even, as cvt.rn does on sm_80+: overflow goes to ±inf,
// half keeps subnormals, and NaN becomes the canonical 0x7fff (what CUDA's own host fallback returns).
// Conversions back to float are exact. Only storage and conversions are modelled: arithmetic on these
// types goes through float (write __bfloat162float(a) * …), which is what the tensor-core path needs.
#pragma once
#include <cstdint>
#include <cstring>

namespace imf_emu {

inline uint32_t f32_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float bits_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

inline unsigned short f32_to_bf16_rn(float f) {
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fff;
    return (unsigned short)((u + 0x7fffu + (u >> 16 & 1u)) >> 16);
}

inline float bf16_to_f32(unsigned short h) { return bits_f32((uint32_t)h << 16); }

inline unsigned short f32_to_f16_rn(float f) {
    uint32_t u = f32_bits(f), sign = u >> 16 & 0x8000u, a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return 0x7fff;                     // NaN
    if (a >= 0x477ff000u) return (unsigned short)(sign | 0x7c00u);  // ≥ 65520 (halfway to 2^16) rounds to inf
    if (a <= 0x33000000u) return (unsigned short)sign;       // ≤ 2^-25 (halfway to the least subnormal): ±0
    uint32_t e = a >> 23, q, rem, half;
    if (a < 0x38800000u) {                                   // below 2^-14: a subnormal half, in units of 2^-24
        uint32_t m = (a & 0x7fffffu) | 0x800000u, shift = 126 - e;
        q = m >> shift;
        rem = m & ((1u << shift) - 1);
        half = 1u << (shift - 1);
    } else {
        q = (e - 112) << 10 | (a >> 13 & 0x3ffu);
        rem = a & 0x1fffu;
        half = 0x1000u;
    }
    if (rem > half || (rem == half && (q & 1u))) q++;        // a carry may run into the exponent: still correct
    return (unsigned short)(sign | q);
}

inline float f16_to_f32(unsigned short h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = h >> 10 & 0x1fu, m = h & 0x3ffu;
    if (e == 0x1f) return bits_f32(sign | 0x7f800000u | m << 13);
    if (e != 0) return bits_f32(sign | (e + 112) << 23 | m << 13);
    float v = (float)m * 0x1p-24f;  // subnormal (or zero): exact
    return sign ? -v : v;
}

}  // namespace imf_emu

struct __nv_bfloat16_raw { unsigned short x; };
struct __half_raw { unsigned short x; };

struct __nv_bfloat16 {
    unsigned short __x;
    __nv_bfloat16() = default;
    __nv_bfloat16(__nv_bfloat16_raw r) : __x(r.x) {}
    __nv_bfloat16(float f) : __x(imf_emu::f32_to_bf16_rn(f)) {}
    operator float() const { return imf_emu::bf16_to_f32(__x); }
    operator __nv_bfloat16_raw() const { return {__x}; }
};
struct __nv_bfloat162 { __nv_bfloat16 x, y; };  // x in the low 16 bits when packed in a 32-bit register

struct __half {
    unsigned short __x;
    __half() = default;
    __half(__half_raw r) : __x(r.x) {}
    __half(float f) : __x(imf_emu::f32_to_f16_rn(f)) {}
    operator float() const { return imf_emu::f16_to_f32(__x); }
    operator __half_raw() const { return {__x}; }
};
struct __half2 { __half x, y; };
using half = __half;
using half2 = __half2;
using nv_bfloat16 = __nv_bfloat16;
using nv_bfloat162 = __nv_bfloat162;

inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16_raw{imf_emu::f32_to_bf16_rn(f)}; }
inline __nv_bfloat16 __float2bfloat16(float f) { return __float2bfloat16_rn(f); }
inline float __bfloat162float(__nv_bfloat16 h) { return imf_emu::bf16_to_f32(h.__x); }
inline __nv_bfloat162 __floats2bfloat162_rn(float lo, float hi) { return {__float2bfloat16_rn(lo), __float2bfloat16_rn(hi)}; }
inline __nv_bfloat162 __float22bfloat162_rn(float2 v) { return __floats2bfloat162_rn(v.x, v.y); }
inline float2 __bfloat1622float2(__nv_bfloat162 v) { return {__bfloat162float(v.x), __bfloat162float(v.y)}; }
inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 h) { return h.__x; }
inline __nv_bfloat16 __ushort_as_bfloat16(unsigned short u) { return __nv_bfloat16_raw{u}; }

inline __half __float2half_rn(float f) { return __half_raw{imf_emu::f32_to_f16_rn(f)}; }
inline __half __float2half(float f) { return __float2half_rn(f); }
inline float __half2float(__half h) { return imf_emu::f16_to_f32(h.__x); }
inline __half2 __floats2half2_rn(float lo, float hi) { return {__float2half_rn(lo), __float2half_rn(hi)}; }
inline __half2 __float22half2_rn(float2 v) { return __floats2half2_rn(v.x, v.y); }
inline float2 __half22float2(__half2 v) { return {__half2float(v.x), __half2float(v.y)}; }
inline unsigned short __half_as_ushort(__half h) { return h.__x; }
inline __half __ushort_as_half(unsigned short u) { return __half_raw{u}; }
