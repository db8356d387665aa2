// fiber.h: cooperative user-space threads for the kernel emulator (one emulated CUDA thread = one fiber).
//
// A fiber runs until it calls switch_to() itself: there is no preemption, so every interleaving the
// emulator produces is chosen by the scheduler (scheduler.cpp) and is reproducible. On x86-64 the switch is
// a dozen instructions of hand-written assembly (callee-saved registers, MXCSR and the x87 control
// word); elsewhere it falls back to ucontext, which is correct but ~50× slower (it makes a syscall).
#pragma once
#include <cstddef>

namespace imf_emu {

struct Fiber {
    void* sp = nullptr;        // saved stack pointer while switched out (x86-64 path)
    void* ucontext = nullptr;  // ucontext_t* on the fallback path
    char* stack = nullptr;     // lowest usable byte (a PROT_NONE guard page lies below it)
    size_t size = 0;
};

// Stack of each fiber: kernels keep a few hundred bytes of locals; 64 KiB leaves room for -O0 builds.
// An overflow hits the guard page (SIGSEGV) rather than another fiber's stack.
constexpr size_t FIBER_STACK = 64 * 1024;

// Maps the stack of `f` (once; later calls reuse it).
void fiber_alloc(Fiber& f);

// Prepares `f` so that the next switch into it calls entry(); entry must never return
// (it ends by switching away for good).
void fiber_prepare(Fiber& f, void (*entry)());

// Saves the running context into `from` and resumes `to`.
void switch_to(Fiber& from, Fiber& to);

}  // namespace imf_emu
