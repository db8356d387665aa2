// scheduler.cpp: runs one block's threads as fibers, with a real barrier and warp collectives.
//
// Schedule: passes over the block's threads, alternately in ascending and descending linear order; each
// ready thread runs until it blocks (barrier or warp collective) or exits. A thread therefore never sees
// a shared-memory write that another thread makes after the last barrier they both passed, unless the
// writer happened to run first in that pass; alternating the direction makes both "writer first" and
// "reader first" happen, so a missing __syncthreads shows up as a read of poisoned or stale shared memory.
//
// Faults (a lane outside its own mask, lanes disagreeing on a collective, a barrier after a thread
// exited, a deadlock) end the block; the abandoned fibers are simply re-prepared for the next block.
#include "scheduler.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "emu_sched.h"
#include "fiber.h"

namespace imf_emu {

const ThreadCoords* g_thread = nullptr;
uint3 g_blockIdx;
dim3 g_blockDim, g_gridDim;

namespace {

enum class Wait : unsigned char { None, Barrier, Warp };

struct EThread {
    ThreadCoords c;
    Fiber fiber;
    bool ready = false, exited = false;
    Wait wait = Wait::None;
    int pred = 0;       // barrier predicate
    unsigned mask = 0;  // warp collective: the group mask
    WarpOp* op = nullptr;
};

struct Block {
    std::vector<EThread> th;  // grows to the largest block seen; fibers are reused
    Fiber main;               // the launching thread's own context
    unsigned n = 0, exited = 0, atBarrier = 0;
    int cur = -1;             // index of the running thread, -1 in the scheduler
    int barrierResult = 0;
    void (*body)(void*) = nullptr;
    void* closure = nullptr;
    bool failed = false;
    char msg[768];
};
Block B;

EThread& current() { return B.th[B.cur]; }

void block_out(EThread& t) {
    t.ready = false;
    switch_to(t.fiber, B.main);
}

// The group of lanes `mask` of `warp` completes when every existing, non-exited lane in it waits at a
// collective; returns false while some lane has not arrived.
bool try_complete(unsigned warp, unsigned mask) {
    WarpOp* lanes[32] = {};
    unsigned arrived = 0;
    for (unsigned l = 0; l < 32; l++) {
        if (!(mask >> l & 1)) continue;
        unsigned i = warp * 32 + l;
        if (i >= B.n || B.th[i].exited) continue;  // lanes past the block's end count as exited
        if (B.th[i].wait != Wait::Warp) return false;
        lanes[l] = B.th[i].op;
        arrived |= 1u << l;
    }
    // All must agree with the group: a lane that joined with another mask or another intrinsic is UB on the GPU.
    unsigned first = __builtin_ctz(arrived), last = 31 - __builtin_clz(arrived);
    for (unsigned l = first; l < 32; l++) {
        if (!(arrived >> l & 1)) continue;
        const EThread& u = B.th[warp * 32 + l];
        if (u.mask == mask && u.op->key == lanes[first]->key) continue;
        const EThread& v = B.th[warp * 32 + (l == first ? last : first)];
        fault("warp %u: lane %u executes %s with mask 0x%08x but lane %u executes %s with mask 0x%08x; every non-exited "
              "lane named in a mask must execute the same warp intrinsic with the same mask",
              warp, u.c.lane, u.op->name, u.mask, v.c.lane, v.op->name, v.mask);
    }
    lanes[first]->resolve(lanes, arrived, mask);
    for (unsigned l = 0; l < 32; l++) {
        if (!(arrived >> l & 1)) continue;
        EThread& u = B.th[warp * 32 + l];
        u.wait = Wait::None;
        u.ready = true;
    }
    return true;
}

void on_exit(EThread& t) {
    t.exited = true;
    t.ready = false;
    B.exited++;
    if (B.atBarrier)
        fault("returned while %u thread(s) of the block wait at __syncthreads; a barrier must be reached by every thread",
              B.atBarrier);
    // Lanes of this warp blocked on a mask that names this lane may now be complete.
    unsigned w = t.c.warp;
    for (unsigned l = 0; l < 32; l++) {
        unsigned i = w * 32 + l;
        if (i >= B.n) break;
        EThread& u = B.th[i];
        if (u.wait == Wait::Warp && !u.exited && (u.mask >> t.c.lane & 1)) try_complete(w, u.mask);
    }
}

void thread_main() {
    EThread& t = current();
    B.body(B.closure);
    on_exit(t);
    switch_to(t.fiber, B.main);
    abort();  // an exited fiber is never resumed
}

const char* wait_name(const EThread& t) {
    if (t.exited) return "exited";
    if (t.wait == Wait::Barrier) return "__syncthreads";
    if (t.wait == Wait::Warp) return t.op->name;
    return "running";
}

// No thread can run but not all have exited: name one waiting lane and a lane it waits for.
void describe_deadlock(char* out, size_t len) {
    unsigned atWarp = 0;
    int example = -1, blocker = -1;
    for (unsigned i = 0; i < B.n; i++) {
        const EThread& t = B.th[i];
        if (t.exited || t.wait != Wait::Warp) continue;
        atWarp++;
        if (example >= 0) continue;
        for (unsigned l = 0; l < 32; l++) {
            unsigned j = t.c.warp * 32 + l;
            if ((t.mask >> l & 1) && j < B.n && !B.th[j].exited && B.th[j].wait != Wait::Warp) {
                example = (int)i;
                blocker = (int)j;
                break;
            }
        }
    }
    int n = snprintf(out, len, "deadlock in block (%u,%u,%u): %u thread(s) wait at __syncthreads, %u at warp collectives",
                     g_blockIdx.x, g_blockIdx.y, g_blockIdx.z, B.atBarrier, atWarp);
    if (example >= 0 && n > 0 && (size_t)n < len) {
        const EThread &e = B.th[example], &b = B.th[blocker];
        snprintf(out + n, len - n, "; e.g. thread (%u,%u,%u) waits in %s (mask 0x%08x) for lane %u, which is at %s",
                 e.c.threadIdx.x, e.c.threadIdx.y, e.c.threadIdx.z, e.op->name, e.mask, b.c.lane, wait_name(b));
    }
}

}  // namespace

int barrier(int op, int pred) {
    EThread& t = current();
    if (B.exited)
        fault("__syncthreads reached after %u thread(s) of the block returned; a barrier must be reached by every thread",
              B.exited);
    t.wait = Wait::Barrier;
    t.pred = pred != 0;
    if (++B.atBarrier == B.n) {
        int count = 0;
        for (unsigned i = 0; i < B.n; i++) {
            EThread& u = B.th[i];
            count += u.pred;
            u.wait = Wait::None;
            u.ready = true;
        }
        B.atBarrier = 0;
        // Read by each thread after it resumes; the next barrier cannot complete before all have resumed.
        B.barrierResult = op == 1 ? count : op == 2 ? count == (int)B.n : op == 3 ? count > 0 : 0;
    } else {
        block_out(t);
    }
    return B.barrierResult;
}

void warp_collective(unsigned mask, WarpOp& op) {
    EThread& t = current();
    if (!(mask >> t.c.lane & 1))
        fault("%s with mask 0x%08x called by lane %u, which the mask does not name", op.name, mask, t.c.lane);
    t.wait = Wait::Warp;
    t.mask = mask;
    t.op = &op;
    if (!try_complete(t.c.warp, mask)) block_out(t);
}

void fault(const char* fmt, ...) {
    if (B.cur < 0) {
        fprintf(stderr, "imf_emu: fault outside a kernel thread\n");
        abort();
    }
    EThread& t = current();
    int n = snprintf(B.msg, sizeof B.msg, "block (%u,%u,%u) thread (%u,%u,%u): ", g_blockIdx.x, g_blockIdx.y, g_blockIdx.z,
                     t.c.threadIdx.x, t.c.threadIdx.y, t.c.threadIdx.z);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof B.msg) vsnprintf(B.msg + n, sizeof B.msg - n, fmt, ap);
    va_end(ap);
    B.failed = true;
    switch_to(t.fiber, B.main);
    abort();  // a faulted fiber is never resumed
}

bool run_block(dim3 dim, void (*body)(void*), void* closure, char* err, size_t errLen) {
    unsigned n = dim.x * dim.y * dim.z;
    if (B.th.size() < n) B.th.resize(n);
    for (unsigned i = 0; i < n; i++) {
        EThread& t = B.th[i];
        t.c.threadIdx = {i % dim.x, i / dim.x % dim.y, i / (dim.x * dim.y)};
        t.c.linear = i;
        t.c.lane = i & 31;
        t.c.warp = i >> 5;
        t.ready = true;
        t.exited = false;
        t.wait = Wait::None;
        fiber_alloc(t.fiber);
        fiber_prepare(t.fiber, thread_main);
    }
    B.n = n;
    B.exited = B.atBarrier = 0;
    B.body = body;
    B.closure = closure;
    B.failed = false;
    for (unsigned pass = 0; B.exited < n; pass++) {
        bool ran = false;
        for (unsigned k = 0; k < n; k++) {
            unsigned i = pass & 1 ? n - 1 - k : k;
            EThread& t = B.th[i];
            if (!t.ready) continue;
            B.cur = (int)i;
            g_thread = &t.c;
            switch_to(B.main, t.fiber);
            B.cur = -1;
            ran = true;
            if (B.failed) {
                snprintf(err, errLen, "%s", B.msg);
                return false;
            }
        }
        if (!ran) {
            describe_deadlock(err, errLen);
            return false;
        }
    }
    return true;
}

}  // namespace imf_emu
