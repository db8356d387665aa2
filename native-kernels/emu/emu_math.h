// emu_math.h: CUDA device math and bit intrinsics on the host.
//
// Where the host result can differ from the GPU's (all within the CUDA Programming Guide's ulp bounds):
//   expf logf sinf cosf powf …   glibc (≤ 1 ulp) vs CUDA (1–2 ulp, e.g. expf 2 ulp): last-bit differences.
//   rsqrtf(x)                    1/sqrtf(x): two correctly rounded steps, ≤ 1 ulp; CUDA's rsqrtf ≤ 2 ulp.
//   __expf __logf __sinf __cosf __powf __exp10f __log2f   the accurate functions here; the GPU's fast
//                                hardware approximations differ by several ulp (growing with |x| for __expf).
//   __fdividef(x, y)             x / y exactly rounded; the GPU's is 2 ulp and returns 0 for 2^126 < |y| < 2^128.
//   a·b + c in plain code        the emulator is compiled with -ffp-contract=off (no fusion); nvcc contracts
//                                to fma by default, so sums of products may differ in the last bits.
//                                __fmul_rn / __fadd_rn / __fmaf_rn are exact on both sides.
//   sqrtf, /, double + − × /    IEEE round-to-nearest on both sides (nvcc's default -prec-sqrt/-prec-div).
//   double exp log sin cos …    glibc vs CUDA (1–2 ulp).
// Denormals are kept on both sides (nvcc without -ftz).
#pragma once
#include <math.h>  // libstdc++'s <math.h> also puts the float overloads (sqrt(float), …) in the global namespace, as CUDA does
#include <cstdint>
#include <cstring>

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float rcbrtf(float x) { return 1.0f / cbrtf(x); }
inline float __expf(float x) { return expf(x); }
inline float __exp10f(float x) { return exp10f(x); }
inline float __logf(float x) { return logf(x); }
inline float __log2f(float x) { return log2f(x); }
inline float __log10f(float x) { return log10f(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanf(float x) { return tanf(x); }
inline float __powf(float x, float y) { return powf(x, y); }
inline void __sincosf(float x, float* s, float* c) { sincosf(x, s, c); }
inline float __fdividef(float x, float y) { return x / y; }
inline float fdividef(float x, float y) { return x / y; }
inline float __saturatef(float x) { return x != x ? 0.0f : x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x; }

// Explicitly rounded single operations: `volatile` keeps the compiler from fusing them even if a build
// turned contraction on.
inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline float __fsqrt_rn(float a) { return sqrtf(a); }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline double __dadd_rn(double a, double b) { volatile double r = a + b; return r; }
inline double __dmul_rn(double a, double b) { volatile double r = a * b; return r; }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }

// min / max as CUDA overloads them (mixed signed/unsigned int compares as unsigned).
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline unsigned min(int a, unsigned b) { return min((unsigned)a, b); }
inline unsigned max(int a, unsigned b) { return max((unsigned)a, b); }
inline unsigned min(unsigned a, int b) { return min(a, (unsigned)b); }
inline unsigned max(unsigned a, int b) { return max(a, (unsigned)b); }
inline long min(long a, long b) { return a < b ? a : b; }
inline long max(long a, long b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline unsigned long long min(unsigned long long a, unsigned long long b) { return a < b ? a : b; }
inline unsigned long long max(unsigned long long a, unsigned long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }
inline double min(double a, double b) { return fmin(a, b); }
inline double max(double a, double b) { return fmax(a, b); }

template <class To, class From>
inline To imf_emu_bits(From v) {
    static_assert(sizeof(To) == sizeof(From));
    To r;
    std::memcpy(&r, &v, sizeof r);
    return r;
}
inline int __float_as_int(float x) { return imf_emu_bits<int>(x); }
inline unsigned __float_as_uint(float x) { return imf_emu_bits<unsigned>(x); }
inline float __int_as_float(int x) { return imf_emu_bits<float>(x); }
inline float __uint_as_float(unsigned x) { return imf_emu_bits<float>(x); }
inline long long __double_as_longlong(double x) { return imf_emu_bits<long long>(x); }
inline double __longlong_as_double(long long x) { return imf_emu_bits<double>(x); }
inline int __float2int_rn(float x) { return (int)nearbyintf(x); }
inline int __float2int_rz(float x) { return (int)x; }
inline unsigned __float2uint_rn(float x) { return (unsigned)nearbyintf(x); }
inline float __int2float_rn(int x) { return (float)x; }

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned __brev(unsigned x) {
    unsigned r = 0;
    for (int i = 0; i < 32; i++) r |= (x >> i & 1u) << (31 - i);
    return r;
}
inline int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline long long __mul64hi(long long a, long long b) { return (long long)(((__int128)a * b) >> 64); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
