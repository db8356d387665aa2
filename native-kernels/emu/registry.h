// registry.h: kernels register themselves by name; arguments are unpacked by template deduction on the
// kernel's function type, so nothing is written by hand per kernel (gen-family.sh emits one Registrar
// line per __global__ function it finds).
#pragma once
#include <cstddef>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "imf_emu.h"

namespace imf_emu {

struct KernelEntry {
    const char* family;
    const char* name;
    std::string signature;
    int staticShared;                          // bytes, -1 unknown
    size_t arity;
    void* fn;
    void* (*unpack)(void* fn, void** params);  // a closure holding copies of the arguments
    void (*body)(void* closure);               // calls the kernel with them (once per emulated thread)
    void (*release)(void* closure);
};
void register_kernel(KernelEntry e);
void register_dynamic_shared(const char* family, void* (*address)(), size_t bytes);

// ptr, i32, u64, f32, f64, … or bN for a struct of N bytes by value (see imf_emu.h).
template <class T>
std::string param_code() {
    using U = std::remove_cv_t<T>;
    if constexpr (std::is_pointer_v<U>) return "ptr";
    else if constexpr (std::is_same_v<U, float>) return "f32";
    else if constexpr (std::is_same_v<U, double>) return "f64";
    else if constexpr (std::is_integral_v<U>) return (std::is_signed_v<U> ? "i" : "u") + std::to_string(8 * sizeof(U));
    else return "b" + std::to_string(sizeof(U));
}

template <class... A>
struct Binder {
    using Fn = void (*)(A...);
    using Args = std::tuple<std::remove_cv_t<A>...>;
    struct Closure {
        Fn fn;
        Args args;
    };
    static_assert((std::is_trivially_copyable_v<std::remove_cv_t<A>> && ...), "kernel parameters are copied bytewise");

    template <size_t... I>
    static void fill(Args& args, void** p, std::index_sequence<I...>) {
        (std::memcpy((void*)&std::get<I>(args), p[I], sizeof(std::tuple_element_t<I, Args>)), ...);
    }
    static void* unpack(void* fn, void** p) {
        auto* c = new Closure{(Fn)fn, {}};
        fill(c->args, p, std::index_sequence_for<A...>{});
        return c;
    }
    static void body(void* c) {
        auto* k = (Closure*)c;
        std::apply(k->fn, k->args);  // each thread gets its own copies of by-value parameters
    }
    static void release(void* c) { delete (Closure*)c; }
};

struct Registrar {
    template <class... A>
    Registrar(const char* family, const char* name, void (*fn)(A...), int staticShared) {
        std::string sig;
        ((sig += sig.empty() ? "" : ",", sig += param_code<A>()), ...);
        register_kernel({family, name, sig, staticShared, sizeof...(A), (void*)fn, Binder<A...>::unpack, Binder<A...>::body,
                         Binder<A...>::release});
    }
};

// The storage of a family's `extern __shared__` array (thread_local, see cuda_emu.h).
struct DynamicShared {
    DynamicShared(const char* family, void* (*address)(), size_t bytes) { register_dynamic_shared(family, address, bytes); }
};

}  // namespace imf_emu
