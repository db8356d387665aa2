// mma_check.cu: one warp runs mma_bf16_16816 (native-kernels/mma.cuh) on fragments the test packed
// itself, lane by lane, from the PTX ISA layout; MmaFragmentTest unpacks d the same way and compares
// with the product. Also compiled by nvcc in `make ptx`, so the inline PTX is known to assemble for
// sm_80. Not part of the engine.
#include "../../mma.cuh"

// a [32][4], b [32][2], c and d [32][4]: each lane's registers. Lanes >= live return first (live < 32 is
// a misuse the emulator must report).
extern "C" __global__ void check_mma(const unsigned* a, const unsigned* b, const float* c, float* d, int live) {
    int lane = threadIdx.x & 31;
    if (lane >= live) return;
    unsigned ra[4] = {a[4 * lane], a[4 * lane + 1], a[4 * lane + 2], a[4 * lane + 3]};
    unsigned rb[2] = {b[2 * lane], b[2 * lane + 1]};
    float rc[4] = {c[4 * lane], c[4 * lane + 1], c[4 * lane + 2], c[4 * lane + 3]}, rd[4];
    mma_bf16_16816(rd, ra, rb, rc);
    for (int i = 0; i < 4; i++) d[4 * lane + i] = rd[i];
}
