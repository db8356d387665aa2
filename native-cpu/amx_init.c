// imf_amx_init: whether amx_sgemm.c may run here. Its own file, compiled for plain x86-64 (see Makefile): the AVX-512
// and AMX flags of amx_sgemm.c would let the compiler use those instructions anywhere in that file, and this function
// runs first on every x86-64 CPU, most of which have neither.
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/*
 * 0 when this CPU has AMX-BF16 and AVX-512 (F, BW, BF16) and the kernel lets this process use AMX tiles;
 * otherwise a negative code: -1 no AMX-BF16/tile, -2 no AVX512-F/BW/BF16, -3 the kernel refused.
 */
int imf_amx_init(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return -1;
    if (!(d & (1u << 22)) || !(d & (1u << 24))) return -1;   // AMX-BF16, AMX-TILE
    if (!(b & (1u << 30)) || !(b & (1u << 16))) return -2;   // AVX512BW, AVX512F
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d) || !(a & (1u << 5))) return -2;   // AVX512-BF16
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)) return -3;
    return 0;
}
