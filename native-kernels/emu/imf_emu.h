/* imf_emu.h: the C ABI of the kernel emulator libraries (target/emu/libimfemu.so and its test twins).
 *
 * A library holds kernels compiled under emulation, registered by name (the extern "C" symbol, the same
 * as the PTX .entry). A launch takes exactly what cuLaunchKernel takes: grid and block dimensions, the
 * dynamic shared memory size and kernelParams (an array of pointers, one per kernel parameter, each to
 * the argument's value); device pointers are plain host addresses. Launches are synchronous and
 * serialised (one lock per library): blocks run one after another on the calling thread.
 *
 * Every function returning int returns IMF_EMU_OK or an error code, and writes a message (NUL-terminated,
 * truncated to errLen) into err when err is not NULL. */
#ifndef IMF_EMU_H
#define IMF_EMU_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IMF_EMU_API __attribute__((visibility("default")))

enum {
    IMF_EMU_OK = 0,
    IMF_EMU_UNKNOWN_KERNEL = 1,   /* no kernel of that name in this library */
    IMF_EMU_INVALID_LAUNCH = 2,   /* a grid or block dimension of 0 or over CUDA's limits (block ≤ 1024 threads, …) */
    IMF_EMU_SHARED_MEMORY = 3,    /* dynamic shared memory over the kernel's limit (see below) */
    IMF_EMU_INVALID_ARGUMENT = 4, /* a NULL symbol, kernelParams or parameter pointer */
    IMF_EMU_KERNEL_FAULT = 5,     /* the kernel misused a barrier or warp intrinsic, or deadlocked */
    IMF_EMU_INTERNAL = 6          /* the emulator could not set up (e.g. shared memory not found) */
};

/* Shared memory limits of the devices we target (sm_80 and later). Without opting in, a launch may use
 * IMF_EMU_SHARED_DEFAULT bytes of static plus dynamic shared memory; imf_emu_set_max_dynamic_shared (the
 * twin of cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)) raises a kernel's dynamic
 * limit up to IMF_EMU_SHARED_OPTIN_MAX minus its static shared memory. */
#define IMF_EMU_SHARED_DEFAULT (48 * 1024)
#define IMF_EMU_SHARED_OPTIN_MAX (227 * 1024)

/* The registered kernels, in registration order (families in build order). Names and strings live as
 * long as the library. Out-of-range indices give NULL or -1. */
IMF_EMU_API int imf_emu_kernel_count(void);
IMF_EMU_API const char* imf_emu_kernel_name(int i);
IMF_EMU_API const char* imf_emu_kernel_family(int i);
/* Parameter types from the C++ signature, comma-separated: ptr, i32, u32, i64, u64, f32, f64, or bN for a
 * struct of N bytes passed by value; e.g. "i32,ptr,ptr,i64". */
IMF_EMU_API const char* imf_emu_kernel_signature(int i);
/* Static shared memory of the kernel in bytes, read from its PTX when the library was built (-1: no PTX). */
IMF_EMU_API int imf_emu_kernel_static_shared(int i);

IMF_EMU_API int imf_emu_set_max_dynamic_shared(const char* symbol, unsigned bytes, char* err, size_t errLen);

IMF_EMU_API int imf_emu_launch(const char* symbol, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned sharedBytes, void** params, char* err, size_t errLen);

#ifdef __cplusplus
}
#endif
#endif
