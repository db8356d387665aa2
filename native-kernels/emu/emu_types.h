// emu_types.h: CUDA's built-in vector types (uint3, dim3, float2, float4, …) for host compilation.
// Alignments follow the CUDA headers (float2 8 bytes, float4 16 bytes) so structs of them keep the
// layout the device code was written for.
#pragma once

struct uint3 { unsigned x, y, z; };
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return {x, y, z}; }
};

#define IMF_EMU_VEC2(T, N, A) struct alignas(A) N##2 { T x, y; }; \
    inline N##2 make_##N##2(T x, T y) { return {x, y}; }
#define IMF_EMU_VEC4(T, N, A) struct alignas(A) N##4 { T x, y, z, w; }; \
    inline N##4 make_##N##4(T x, T y, T z, T w) { return {x, y, z, w}; }

IMF_EMU_VEC2(float, float, 8)
IMF_EMU_VEC4(float, float, 16)
IMF_EMU_VEC2(int, int, 8)
IMF_EMU_VEC4(int, int, 16)
IMF_EMU_VEC2(unsigned, uint, 8)
IMF_EMU_VEC4(unsigned, uint, 16)
IMF_EMU_VEC2(double, double, 16)
struct float3 { float x, y, z; };
struct int3 { int x, y, z; };
inline float3 make_float3(float x, float y, float z) { return {x, y, z}; }
inline int3 make_int3(int x, int y, int z) { return {x, y, z}; }
inline uint3 make_uint3(unsigned x, unsigned y, unsigned z) { return {x, y, z}; }

#undef IMF_EMU_VEC2
#undef IMF_EMU_VEC4
