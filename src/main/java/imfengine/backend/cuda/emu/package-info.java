/**
 * The CPU emulator of our CUDA kernels, seen from Java: {@link imfengine.backend.cuda.emu.EmulatorLibrary}
 * loads a library built by {@code make emu} (every {@code native-kernels/*.cu} compiled as host C++ under
 * {@code native-kernels/emu/}) and launches kernels with {@code cuLaunchKernel}'s arguments, which
 * {@link imfengine.backend.cuda.emu.LaunchParams} packs; {@link imfengine.backend.cuda.emu.EmulatorException}
 * carries the library's error. How the emulator works and what it does not model: {@code docs/EMULATION.md}.
 */
package imfengine.backend.cuda.emu;
