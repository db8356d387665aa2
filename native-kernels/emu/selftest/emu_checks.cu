// emu_checks.cu: kernels that pin down the emulator's semantics (EmulatorSelfTest launches them and
// compares with hand-computed values). Plain CUDA: `make ptx` also compiles them with nvcc, so the same
// kernels can be run on a GPU to compare the emulator with the hardware. Not part of the engine.
//
// Lane values are v = 100 + lane + 1000·warp unless stated otherwise.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

// out[8·g + …] for the thread with global linear index g: threadIdx, blockIdx, blockDim.x, gridDim.x.
extern "C" __global__ void check_coords(unsigned* out) {
    unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    unsigned* o = out + 8 * (block * blockDim.x * blockDim.y * blockDim.z + t);
    o[0] = threadIdx.x; o[1] = threadIdx.y; o[2] = threadIdx.z;
    o[3] = blockIdx.x; o[4] = blockIdx.y; o[5] = blockIdx.z;
    o[6] = blockDim.x * blockDim.y * blockDim.z; o[7] = gridDim.x * gridDim.y * gridDim.z;
}

// Each thread writes its slot, then (after the barrier) reads its neighbours'; then the counting barriers.
extern "C" __global__ void check_barrier(int* out) {
    __shared__ int s[1024];
    int n = blockDim.x, t = threadIdx.x;
    s[t] = 3 * t + 1;
    __syncthreads();
    int* o = out + 4 * (blockIdx.x * n + t);
    o[0] = s[(t + 1) % n] + s[(t + n - 1) % n];
    o[1] = __syncthreads_count(t % 3 == 0);
    o[2] = __syncthreads_and(t < n);
    o[3] = __syncthreads_or(t == n - 1);
}

// The same exchange without the barrier: the schedule runs writers after some readers.
extern "C" __global__ void check_missing_barrier(float* out) {
    __shared__ float s[1024];
    int n = blockDim.x, t = threadIdx.x;
    s[t] = 1.f;
    out[t] = s[(t + 1) % n];
}

// Thread 5 returns before a barrier the others reach: a fault.
extern "C" __global__ void check_barrier_after_exit(int* out) {
    if (threadIdx.x == 5) return;
    __syncthreads();
    out[threadIdx.x] = 1;
}

// Full-warp shuffles: op 0 __shfl_sync, 1 up, 2 down, 3 xor, with operand b and width.
extern "C" __global__ void check_shfl(int op, int b, int width, int* out) {
    int lane = threadIdx.x & 31, v = 100 + lane + 1000 * (threadIdx.x >> 5), r;
    switch (op) {
        case 0: r = __shfl_sync(0xffffffffu, v, b, width); break;
        case 1: r = __shfl_up_sync(0xffffffffu, v, (unsigned)b, width); break;
        case 2: r = __shfl_down_sync(0xffffffffu, v, (unsigned)b, width); break;
        default: r = __shfl_xor_sync(0xffffffffu, v, b, width);
    }
    out[threadIdx.x] = r;
}

// Two half-warp groups with their own masks: lanes 0-15 shift down by 4, lanes 16-31 up by 2. Sources
// outside a lane's own group did not take part.
extern "C" __global__ void check_shfl_half_warps(int* out) {
    int lane = threadIdx.x & 31, v = 100 + lane;
    out[lane] = lane < 16 ? __shfl_down_sync(0x0000ffffu, v, 4) : __shfl_up_sync(0xffff0000u, v, 2);
}

// Lanes 16-31 return; the others shuffle with a full mask, from exited lanes (a) and from live ones (b).
extern "C" __global__ void check_shfl_exited(int* out) {
    int lane = threadIdx.x & 31, v = 100 + lane;
    if (lane >= 16) return;
    int a = __shfl_sync(0xffffffffu, v, lane + 16);
    int b = __shfl_sync(0xffffffffu, v, lane ^ 1);
    out[2 * lane] = a;
    out[2 * lane + 1] = b;
}

// 64-bit values move whole.
extern "C" __global__ void check_shfl_64(double* d, long long* q) {
    int lane = threadIdx.x & 31;
    d[lane] = __shfl_xor_sync(0xffffffffu, lane + 0.5, 5);
    q[lane] = __shfl_down_sync(0xffffffffu, (long long)lane << 40, 3);
}

// Misuse, each a fault: which = 0, lane 3 passes a mask without itself; 1, lane 0 uses mask 0x3 while lanes
// 1-31 use the full mask; 2, lanes 0-15 shuffle while lanes 16-31 wait at a barrier (a deadlock).
extern "C" __global__ void check_warp_misuse(int which, int* out) {
    int lane = threadIdx.x & 31, r = 0;
    if (which == 0) r = __shfl_xor_sync(lane == 3 ? 0xfffffff7u : 0xffffffffu, lane, 1);
    if (which == 1) r = __shfl_xor_sync(lane == 0 ? 0x3u : 0xffffffffu, lane, 1);
    if (which == 2) {
        if (lane < 16) r = __shfl_xor_sync(0xffffffffu, lane, 1);
        else __syncthreads();
    }
    out[lane] = r;
}

// Votes, matches, reductions and __syncwarp; lanes 20-31 return before the last ballot.
extern "C" __global__ void check_votes(unsigned* out) {
    int lane = threadIdx.x & 31;
    unsigned* o = out + 16 * lane;
    o[0] = __ballot_sync(0xffffffffu, lane % 3 == 0);
    o[1] = __any_sync(0xffffffffu, lane == 7);
    o[2] = __all_sync(0xffffffffu, lane < 32);
    o[3] = __all_sync(0xffffffffu, lane != 4);
    o[4] = lane < 8 ? __ballot_sync(0x000000ffu, lane & 1) : 0u;
    o[5] = __match_any_sync(0xffffffffu, lane % 4);
    int pred = -1;
    o[6] = __match_all_sync(0xffffffffu, 7, &pred);
    o[7] = (unsigned)pred;
    o[8] = __reduce_add_sync(0xffffffffu, (unsigned)lane);
    o[9] = (unsigned)__reduce_max_sync(0xffffffffu, lane == 9 ? 50 : -lane);
    __syncwarp();
    if (lane >= 20) return;
    o[10] = __ballot_sync(0xffffffffu, 1);
}

// Shared memory is private to a block and poisoned at its start: thread 0 reads a static and a dynamic
// slot before writing them, then every thread reads them after a barrier.
extern __shared__ unsigned dyn[];
extern "C" __global__ void check_shared_per_block(unsigned* out) {
    __shared__ unsigned s[64];
    unsigned* o = out + 4 * blockIdx.x;
    if (threadIdx.x == 0) {
        o[0] = s[0];
        o[1] = dyn[0];
        s[0] = 100 + blockIdx.x;
        dyn[0] = 200 + blockIdx.x;
    }
    __syncthreads();
    if (threadIdx.x == blockDim.x - 1) {
        o[2] = s[0];
        o[3] = dyn[0];
    }
}

// A shared array that no code writes: its reads must be poison too (not folded to 0 by the host compiler).
extern "C" __global__ void check_shared_never_written(unsigned* out) {
    __shared__ unsigned never[4];
    out[threadIdx.x] = never[threadIdx.x & 3];
}

// Atomics from every thread of every block: sums, a ticket counter (old values), max, min, exchange, CAS.
extern "C" __global__ void check_atomics(float* f, double* d, int* i, unsigned* tickets, unsigned long long* u) {
    unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
    atomicAdd(f, 1.0f);
    atomicAdd(d, 0.5);
    tickets[g] = atomicAdd((unsigned*)&i[0], 1u);
    atomicMax(&i[1], (int)(g * 7 % 1000));
    atomicMin(&i[2], -(int)g);
    atomicSub(&i[3], 2);
    atomicAdd(&u[0], 1ull << 33);
    if (g == 5) atomicExch(&i[4], 55);
    int old = i[5], assumed;
    do {  // a CAS loop: i[5] = max(i[5], g) the long way
        assumed = old;
        old = atomicCAS(&i[5], assumed, assumed > (int)g ? assumed : (int)g);
    } while (old != assumed);
}

// Float conversions to bf16 and half bits (round to nearest even) and back.
extern "C" __global__ void check_convert(const float* in, unsigned short* bf, unsigned short* h, float* bfBack, float* hBack, int n) {
    for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < n; k += blockDim.x * gridDim.x) {
        __nv_bfloat16 b = __float2bfloat16_rn(in[k]);
        __half x = __float2half_rn(in[k]);
        bf[k] = __bfloat16_as_ushort(b);
        h[k] = __half_as_ushort(x);
        bfBack[k] = __bfloat162float(b);
        hBack[k] = __half2float(x);
    }
}

// Explicitly rounded products and sums are not fused: with x = 1 + 2^-23, x·x − 1 is 2^-22 rounded
// separately and 2^-22 + 2^-46 fused.
extern "C" __global__ void check_rounding(const float* x, float* out) {
    float v = x[0];
    out[0] = __fadd_rn(__fmul_rn(v, v), -1.0f);
    out[1] = __fmaf_rn(v, v, -1.0f);
    out[2] = rsqrtf(4.0f);
    out[3] = fmaxf(v, -v);
}
