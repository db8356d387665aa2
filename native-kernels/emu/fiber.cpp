// fiber.cpp: stacks and context switches for fiber.h.
#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#if !defined(__x86_64__) || defined(IMF_EMU_UCONTEXT)
#define IMF_EMU_USE_UCONTEXT 1
#include <ucontext.h>
#endif

namespace imf_emu {

void fiber_alloc(Fiber& f) {
    if (f.stack) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void* m = mmap(nullptr, FIBER_STACK + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) { perror("imf_emu: fiber stack mmap"); abort(); }
    mprotect(m, page, PROT_NONE);  // guard page: stacks grow down
    f.stack = (char*)m + page;
    f.size = FIBER_STACK;
}

#ifndef IMF_EMU_USE_UCONTEXT

// imf_emu_switch(void** saveSp, void* loadSp): pushes the callee-saved state, stores rsp, loads the
// other stack and pops its state. The layout a prepared fiber must present is, from rsp upwards:
// [mxcsr, x87 cw] r15 r14 r13 r12 rbx rbp <return address>.
asm(R"(
    .text
    .p2align 4
    .type imf_emu_switch,@function
imf_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size imf_emu_switch, .-imf_emu_switch
)");
extern "C" void imf_emu_switch(void** saveSp, void* loadSp);

void fiber_prepare(Fiber& f, void (*entry)()) {
    uintptr_t top = ((uintptr_t)(f.stack + f.size)) & ~(uintptr_t)15;
    auto* sp = (uint64_t*)top;
    *--sp = 0;                    // entry's own "return address": entry starts with rsp ≡ 8 (mod 16) as after a call
    *--sp = (uint64_t)entry;      // popped by imf_emu_switch's ret
    for (int i = 0; i < 6; i++) *--sp = 0;  // rbp rbx r12 r13 r14 r15
    uint32_t csr[2];
    asm volatile("stmxcsr %0" : "=m"(csr[0]));
    asm volatile("fnstcw %0" : "=m"(csr[1]));
    --sp;
    *(uint32_t*)sp = csr[0];
    *((uint32_t*)sp + 1) = csr[1];
    f.sp = sp;
}

void switch_to(Fiber& from, Fiber& to) { imf_emu_switch(&from.sp, to.sp); }

#else

void fiber_prepare(Fiber& f, void (*entry)()) {
    if (!f.ucontext) f.ucontext = new ucontext_t();
    auto* uc = (ucontext_t*)f.ucontext;
    getcontext(uc);
    uc->uc_stack.ss_sp = f.stack;
    uc->uc_stack.ss_size = f.size;
    uc->uc_link = nullptr;
    makecontext(uc, entry, 0);
}

void switch_to(Fiber& from, Fiber& to) {
    if (!from.ucontext) from.ucontext = new ucontext_t();
    swapcontext((ucontext_t*)from.ucontext, (ucontext_t*)to.ucontext);
}

#endif

}  // namespace imf_emu
