/**
 * The CUDA backend: our PTX kernels ({@code native-kernels/<family>.cu}, packaged under {@code /ptx/})
 * launched on a {@link imfengine.backend.cuda.Device}. One class per job:
 * <ul>
 *   <li>{@link imfengine.backend.cuda.CudaBackend}: the {@link imfengine.backend.Backend} kernel set, written
 *       against {@code Device} only</li>
 *   <li>{@link imfengine.backend.cuda.Device}: memory, copies, fills, launches and GEMM at device addresses;
 *       {@link imfengine.backend.cuda.DriverDevice} implements it with JCuda's driver API
 *       ({@link imfengine.backend.cuda.CudaContext}: device, primary context, stream;
 *       {@link imfengine.backend.cuda.PtxModules}: module loading) and cuBLAS through
 *       {@code java.lang.foreign} ({@link imfengine.backend.cuda.Cublas}); an emulated device can implement it
 *       on the host</li>
 *   <li>{@link imfengine.backend.cuda.Cuda}: is there a usable device? (probes {@code libcuda.so.1} with FFM
 *       before any JCuda class is touched, since a failed JCuda load poisons the class for the JVM's life)</li>
 *   <li>{@link imfengine.backend.cuda.Kernel}: each kernel's family, symbol and parameter list, declared once
 *       ({@link imfengine.backend.cuda.Param}); {@link imfengine.backend.cuda.KernelArgs} checks arguments
 *       against it as they are built; {@link imfengine.backend.cuda.Launch}: grid, block and shared memory</li>
 *   <li>{@link imfengine.backend.cuda.PtxText}: what the host reads from the PTX text (entry parameters, the
 *       geometry constants kernels export), e.g. {@link imfengine.backend.cuda.AttentionGeometry}</li>
 *   <li>{@link imfengine.backend.cuda.DeviceAllocator}: the caching allocator behind
 *       {@link imfengine.backend.cuda.CudaStorage} (segments cut into blocks: {@link imfengine.backend.cuda.BlockPool},
 *       {@link imfengine.backend.cuda.MemoryBlock}; {@link imfengine.backend.cuda.AllocatorStats}: reserved and live bytes)</li>
 *   <li>{@link imfengine.backend.cuda.LibraryLocator}: where cuBLAS and NCCL are looked for, in order;
 *       {@link imfengine.backend.cuda.Nccl}: NCCL's communicator and all-reduce (data-parallel training);
 *       {@link imfengine.backend.cuda.NativeLibrary}: {@code dlopen} with the loader's reason on failure</li>
 * </ul>
 */
package imfengine.backend.cuda;
