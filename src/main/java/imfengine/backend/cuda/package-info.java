/**
 * The CUDA backend: JCuda's driver API for context, stream, memory, modules and launches; our own
 * PTX kernels ({@code native-kernels/<family>.cu}, packaged under {@code /ptx/}); cuBLAS through
 * {@code java.lang.foreign}. One class per job:
 * <ul>
 *   <li>{@link imfengine.backend.cuda.Cuda}: is there a usable device? (probes {@code libcuda.so.1} with FFM
 *       before any JCuda class is touched, since a failed JCuda load poisons the class for the JVM's life)</li>
 *   <li>{@link imfengine.backend.cuda.CudaContext}: device, primary context, stream, versions, memory</li>
 *   <li>{@link imfengine.backend.cuda.DeviceAllocator}: the caching allocator behind {@link imfengine.backend.cuda.CudaStorage}</li>
 *   <li>{@link imfengine.backend.cuda.Kernel}, {@link imfengine.backend.cuda.PtxModules}, {@link imfengine.backend.cuda.Launcher}:
 *       the kernel names, module loading, and launches</li>
 *   <li>{@link imfengine.backend.cuda.Cublas}: the cuBLAS binding (SGEMM, strided-batched SGEMM, TF32 option)</li>
 *   <li>{@link imfengine.backend.cuda.CudaBackend}: the {@link imfengine.backend.Backend} kernel set</li>
 * </ul>
 */
package imfengine.backend.cuda;
