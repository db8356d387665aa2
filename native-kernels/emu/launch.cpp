// launch.cpp: the C ABI of imf_emu.h: kernel lookup, the launch checks cuLaunchKernel would make,
// shared-memory poisoning, and the loop over blocks.
//
// Shared memory is this library's thread-local storage (cuda_emu.h maps __shared__ to thread_local), so
// its extent is the PT_TLS segment of the library as instantiated for the calling thread. Nothing else in
// the library may be thread_local (the runtime keeps its state in plain globals under the launch lock).
// Before every block the segment is filled with 0xff bytes: an uninitialised or unsynchronised read of
// shared memory then yields NaN (float, double) or -1 (integers) instead of a plausible stale value.
#include <link.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "imf_emu.h"
#include "registry.h"
#include "emu_sched.h"
#include "scheduler.h"

namespace imf_emu {

namespace {

struct Kernel {
    KernelEntry e;
    unsigned maxDynamic;  // dynamic shared limit (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
};
struct Dynamic {
    const char* family;
    void* (*address)();
    size_t bytes;
};

std::vector<Kernel>& kernels() {
    static std::vector<Kernel> k;
    return k;
}
std::vector<Dynamic>& dynamics() {
    static std::vector<Dynamic> d;
    return d;
}
std::mutex launchLock;

thread_local char tlsAnchor;  // touching it makes the loader allocate this library's TLS for the thread

unsigned staticBytes(const KernelEntry& e) { return e.staticShared > 0 ? (unsigned)e.staticShared : 0; }

Kernel* find(const char* name) {
    static std::unordered_map<std::string, size_t> index;
    if (index.size() != kernels().size()) {
        index.clear();
        for (size_t i = 0; i < kernels().size(); i++) index.emplace(kernels()[i].e.name, i);
    }
    auto it = index.find(name);
    return it == index.end() ? nullptr : &kernels()[it->second];
}

int fail(int code, char* err, size_t errLen, const char* fmt, ...) __attribute__((format(printf, 4, 5)));
int fail(int code, char* err, size_t errLen, const char* fmt, ...) {
    if (err && errLen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errLen, fmt, ap);
        va_end(ap);
    }
    return code;
}

struct Range {
    char* p = nullptr;
    size_t n = 0;
};

int find_tls(dl_phdr_info* info, size_t, void* data) {
    auto* q = (std::pair<const void*, Range>*)data;
    bool ours = false;
    const ElfW(Phdr)* tls = nullptr;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        const char* lo = (const char*)info->dlpi_addr + ph.p_vaddr;
        if (ph.p_type == PT_LOAD && q->first >= (const void*)lo && q->first < (const void*)(lo + ph.p_memsz)) ours = true;
        if (ph.p_type == PT_TLS) tls = &ph;
    }
    if (!ours) return 0;
    if (tls && info->dlpi_tls_data) q->second = {(char*)info->dlpi_tls_data, (size_t)tls->p_memsz};
    return 1;
}

// This library's shared memory for the calling thread.
Range tls_segment() {
    *(volatile char*)&tlsAnchor = 0;
    std::pair<const void*, Range> q{(const void*)&find_tls, {}};
    dl_iterate_phdr(find_tls, &q);
    Range r = q.second;
    if (!r.p || (char*)&tlsAnchor < r.p || (char*)&tlsAnchor >= r.p + r.n) return {};
    return r;
}

// The byte ranges to poison before each block: the whole segment except the families' dynamic buffers,
// plus the first sharedBytes + 4 KiB of the launched family's own buffer (a read past the launch's
// dynamic size then also meets poison, unless it runs more than 4 KiB past).
bool poison_plan(const Range& seg, const char* family, unsigned sharedBytes, std::vector<Range>& out) {
    std::vector<Range> holes;
    for (const Dynamic& d : dynamics()) {
        char* p = (char*)d.address();
        if (p < seg.p || p + d.bytes > seg.p + seg.n) return false;
        holes.push_back({p, d.bytes});
        if (!strcmp(d.family, family)) out.push_back({p, std::min(d.bytes, (size_t)sharedBytes + 4096)});
    }
    std::sort(holes.begin(), holes.end(), [](const Range& a, const Range& b) { return a.p < b.p; });
    char* at = seg.p;
    for (const Range& h : holes) {
        if (h.p > at) out.push_back({at, (size_t)(h.p - at)});
        at = std::max(at, h.p + h.n);
    }
    if (at < seg.p + seg.n) out.push_back({at, (size_t)(seg.p + seg.n - at)});
    return true;
}

}  // namespace

void register_kernel(KernelEntry e) {
    unsigned stat = staticBytes(e);
    kernels().push_back({std::move(e), stat < IMF_EMU_SHARED_DEFAULT ? IMF_EMU_SHARED_DEFAULT - stat : 0});
}

void register_dynamic_shared(const char* family, void* (*address)(), size_t bytes) { dynamics().push_back({family, address, bytes}); }

}  // namespace imf_emu

using namespace imf_emu;

extern "C" {

IMF_EMU_API int imf_emu_kernel_count(void) { return (int)kernels().size(); }

static const KernelEntry* entry(int i) { return i >= 0 && i < (int)kernels().size() ? &kernels()[i].e : nullptr; }

IMF_EMU_API const char* imf_emu_kernel_name(int i) { return entry(i) ? entry(i)->name : nullptr; }
IMF_EMU_API const char* imf_emu_kernel_family(int i) { return entry(i) ? entry(i)->family : nullptr; }
IMF_EMU_API const char* imf_emu_kernel_signature(int i) { return entry(i) ? entry(i)->signature.c_str() : nullptr; }
IMF_EMU_API int imf_emu_kernel_static_shared(int i) { return entry(i) ? entry(i)->staticShared : -1; }

IMF_EMU_API int imf_emu_set_max_dynamic_shared(const char* symbol, unsigned bytes, char* err, size_t errLen) {
    std::lock_guard<std::mutex> lock(launchLock);
    if (!symbol) return fail(IMF_EMU_INVALID_ARGUMENT, err, errLen, "symbol is NULL");
    Kernel* k = find(symbol);
    if (!k) return fail(IMF_EMU_UNKNOWN_KERNEL, err, errLen, "no kernel named %s in this library", symbol);
    unsigned stat = staticBytes(k->e);
    if ((unsigned long long)bytes + stat > IMF_EMU_SHARED_OPTIN_MAX)
        return fail(IMF_EMU_SHARED_MEMORY, err, errLen, "%s: %u bytes of dynamic plus %u of static shared memory exceed the %u a block can opt in to",
                    symbol, bytes, stat, IMF_EMU_SHARED_OPTIN_MAX);
    k->maxDynamic = bytes;
    return IMF_EMU_OK;
}

IMF_EMU_API int imf_emu_launch(const char* symbol, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned sharedBytes, void** params, char* err, size_t errLen) {
    std::lock_guard<std::mutex> lock(launchLock);
    if (!symbol) return fail(IMF_EMU_INVALID_ARGUMENT, err, errLen, "symbol is NULL");
    Kernel* k = find(symbol);
    if (!k) return fail(IMF_EMU_UNKNOWN_KERNEL, err, errLen, "no kernel named %s in this library", symbol);
    if (!gx || !gy || !gz || !bx || !by || !bz)
        return fail(IMF_EMU_INVALID_LAUNCH, err, errLen, "%s: grid (%u,%u,%u) block (%u,%u,%u) has a zero dimension", symbol, gx, gy, gz, bx, by, bz);
    if (bx > 1024 || by > 1024 || bz > 64 || (unsigned long long)bx * by * bz > 1024)
        return fail(IMF_EMU_INVALID_LAUNCH, err, errLen, "%s: block (%u,%u,%u) exceeds 1024 threads or the per-axis limits (1024, 1024, 64)",
                    symbol, bx, by, bz);
    if (gx > 0x7fffffffu || gy > 65535 || gz > 65535)
        return fail(IMF_EMU_INVALID_LAUNCH, err, errLen, "%s: grid (%u,%u,%u) exceeds the limits (2^31-1, 65535, 65535)", symbol, gx, gy, gz);
    if (sharedBytes > k->maxDynamic)
        return fail(IMF_EMU_SHARED_MEMORY, err, errLen,
                    "%s: %u bytes of dynamic shared memory exceed the kernel's limit of %u (static %u; raise it with "
                    "imf_emu_set_max_dynamic_shared, as cuFuncSetAttribute would)",
                    symbol, sharedBytes, k->maxDynamic, staticBytes(k->e));
    if (k->e.arity && !params) return fail(IMF_EMU_INVALID_ARGUMENT, err, errLen, "%s: kernelParams is NULL", symbol);
    for (size_t i = 0; i < k->e.arity; i++)
        if (!params[i]) return fail(IMF_EMU_INVALID_ARGUMENT, err, errLen, "%s: kernelParams[%zu] is NULL", symbol, i);

    Range seg = tls_segment();
    std::vector<Range> poison;
    if (!seg.p || !poison_plan(seg, k->e.family, sharedBytes, poison))
        return fail(IMF_EMU_INTERNAL, err, errLen, "%s: shared memory (this library's TLS segment) not found", symbol);

    void* closure = k->e.unpack(k->e.fn, params);
    g_gridDim = dim3(gx, gy, gz);
    g_blockDim = dim3(bx, by, bz);
    int rc = IMF_EMU_OK;
    char msg[1024];
    for (unsigned z = 0; z < gz && rc == IMF_EMU_OK; z++)
        for (unsigned y = 0; y < gy && rc == IMF_EMU_OK; y++)
            for (unsigned x = 0; x < gx; x++) {
                g_blockIdx = {x, y, z};
                for (const Range& r : poison) memset(r.p, 0xff, r.n);
                if (!run_block(g_blockDim, k->e.body, closure, msg, sizeof msg)) {
                    rc = fail(IMF_EMU_KERNEL_FAULT, err, errLen, "%s: %s", symbol, msg);
                    break;
                }
            }
    k->e.release(closure);
    return rc;
}

}  // extern "C"
