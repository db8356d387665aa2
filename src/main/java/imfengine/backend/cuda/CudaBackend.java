package imfengine.backend.cuda;

import imfengine.backend.AdamWStep;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.Distribution;
import imfengine.backend.GemmSpec;
import imfengine.backend.ImageShapes;
import imfengine.backend.Pooling;
import imfengine.backend.Precision;
import imfengine.backend.RandomKey;
import imfengine.backend.TransferCounts;
import imfengine.backend.UnaryOp;
import imfengine.backend.Window2d;
import imfengine.tensor.Bf16;
import imfengine.tensor.DType;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static imfengine.backend.SizeCheck.requireDType;
import static imfengine.backend.SizeCheck.requireGatedResidual;
import static imfengine.backend.SizeCheck.requireGatedResidualBackward;
import static imfengine.backend.SizeCheck.requireHostLength;
import static imfengine.backend.SizeCheck.requireSameDType;
import static imfengine.backend.SizeCheck.requireSameSize;

/**
 * The CUDA kernel set on a {@link Device}: unwraps tensors to device addresses (storage address plus the
 * view's offset), checks shapes the way the CPU backend does, builds each kernel's arguments against its
 * declared signature ({@link KernelArgs}) and queues one launch (or GEMM) per call. Calls return before
 * the device finishes; downloads and {@link #synchronize} wait. The math of every kernel is in the
 * header of its {@code native-kernels/<family>.cu}; the CPU backend is the reference.
 */
public final class CudaBackend implements Backend {
    private final Device device;
    private final DeviceAllocator allocator;
    private final AttentionPrecision attentionPrecision;
    private final Precision precision;
    /** bf16 copies of the parameter buffers, or null: GEMMs cast their weights like any operand. */
    private final Bf16WeightCache weightCache;
    private final LongAdder flops = new LongAdder();
    private final AtomicLong uploads = new AtomicLong(), downloads = new AtomicLong(), bytesUp = new AtomicLong(),
            bytesDown = new AtomicLong();

    /** fp32 attention ({@link AttentionPrecision#FP32}). */
    public CudaBackend(Device device) { this(device, AttentionPrecision.FP32); }

    /** Attention's forward and tangent by the kernels {@code attentionPrecision} names; fp32 GEMMs. */
    public CudaBackend(Device device, AttentionPrecision attentionPrecision) {
        this(device, attentionPrecision, Precision.FP32, WeightCasts.ONCE_PER_CHANGE);
    }

    /**
     * The GEMMs and attention of {@code precision}: {@link Precision#BF16} rounds GEMM inputs to bf16 and takes the
     * bf16 flash attention; {@link Precision#TF32} is the device's cuBLAS math mode ({@link DriverDevice#open}),
     * so here it is fp32 inputs and fp32 attention, as {@link Precision#FP32}.
     */
    public CudaBackend(Device device, Precision precision) { this(device, precision, WeightCasts.ONCE_PER_CHANGE); }

    /**
     * As {@link #CudaBackend(Device, Precision)}, with bf16 GEMMs reading the parameters as {@code weightCasts} says
     * (only {@link Precision#BF16} casts anything; {@link WeightCasts#EVERY_GEMM} is the reference the cache is tested against).
     */
    public CudaBackend(Device device, Precision precision, WeightCasts weightCasts) {
        this(device, precision == Precision.BF16 ? AttentionPrecision.BF16 : AttentionPrecision.FP32, precision, weightCasts);
    }

    private CudaBackend(Device device, AttentionPrecision attentionPrecision, Precision precision, WeightCasts weightCasts) {
        this.device = device;
        this.allocator = new DeviceAllocator(device);
        this.attentionPrecision = attentionPrecision;
        this.precision = precision;
        this.weightCache = precision == Precision.BF16 && weightCasts == WeightCasts.ONCE_PER_CHANGE
                ? new Bf16WeightCache(allocator, this::castToBf16) : null;
    }

    /** How bf16 GEMMs get the parameters' bf16 values. */
    public enum WeightCasts {
        /** One cast of each parameter buffer after it changes ({@link Backend#markParameters}), read by every GEMM. */
        ONCE_PER_CHANGE,
        /** Cast with every GEMM that reads them, as activations are. */
        EVERY_GEMM
    }

    /**
     * What the bf16 parameter copies did so far (zeros without them): {@code casts} of a whole parameter buffer (one
     * per buffer per optimizer step in training) and GEMM {@code operandsRead} from a copy instead of cast.
     */
    public record WeightCopyCounts(long casts, long operandsRead) {}

    public WeightCopyCounts weightCopyCounts() {
        return weightCache == null ? new WeightCopyCounts(0, 0) : new WeightCopyCounts(weightCache.refreshes(), weightCache.operandsRead());
    }

    @Override public void markParameters(Tensor values) {
        if (weightCache == null) return;
        requireDType("markParameters", values, DType.F32);
        weightCache.register(storage(values));
    }

    /**
     * The {@code --precision} this backend was made for (its GEMMs' precision: fp32 when it was made with an
     * {@link AttentionPrecision} alone, which is for attention tests).
     */
    public Precision precision() { return precision; }

    /** bf16 GEMM operands exactly when the precision is bf16 (TF32 is cuBLAS's math mode on fp32 operands). */
    private GemmInputs gemmInputs() { return precision == Precision.BF16 ? GemmInputs.BF16 : GemmInputs.F32; }

    /** Device 0 through the CUDA driver and cuBLAS; TF32 GEMMs when {@code tf32}. Throws {@link CudaException} without a device. */
    public static CudaBackend create(boolean tf32) { return new CudaBackend(DriverDevice.open(tf32)); }

    public Device device() { return device; }

    public DeviceAllocator allocator() { return allocator; }

    /** Waits until all queued work is done (for timing). */
    @Override public void synchronize() { device.synchronize(); }

    /** Floating-point operations issued by GEMM and attention so far, counted as the CPU backend counts them. */
    @Override public long matrixFlops() { return flops.sum(); }

    @Override public long peakTensorBytes() { return allocator.stats().peakLiveBytes(); }

    @Override public TransferCounts transfers() {
        return new TransferCounts(uploads.get(), downloads.get(), bytesUp.get(), bytesDown.get());
    }

    @Override public String name() {
        return "cuda(" + device.name() + (gemmInputs() == GemmInputs.F32 ? "" : ", " + gemmInputs() + " GEMM inputs")
                + (attentionPrecision == AttentionPrecision.FP32 ? "" : ", " + attentionPrecision + " attention") + ")";
    }

    // ---- unwrapping and launching ------------------------------------------------------------
    private static CudaStorage storage(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("tensor " + t.shape() + " is not on the CUDA backend");
        return s;
    }

    /**
     * The device address of a tensor's first element, for a call that may write it: counts a write to its storage,
     * which is what makes a bf16 parameter copy stale ({@link Bf16WeightCache}). So a kernel is a writer unless
     * said otherwise; operands it only reads go through {@link #in}.
     */
    private static long ptr(Tensor t) {
        storage(t).noteWrite();
        return in(t);
    }

    /** The device address of a tensor's first element, for a call that only reads it. */
    private static long in(Tensor t) { return storage(t).address() + t.offset() * t.dtype().bytes(); }

    /**
     * The device address of {@code t}'s first element (a tensor of this backend), for a library that works on it in
     * place on {@link #foreignStream()} (NCCL's all-reduce). Counted as a write: the library may write it.
     */
    public long deviceAddress(Tensor t) {
        if (t.backend() != this) throw new IllegalArgumentException("tensor " + t.shape() + " is not on this CUDA backend");
        return ptr(t);
    }

    /** {@link Device#foreignStream()}: the stream that orders this backend's work, the device current on this thread. */
    public long foreignStream() { return device.foreignStream(); }

    private static long bytes(Tensor t) { return t.size() * t.dtype().bytes(); }

    private static KernelArgs args(Kernel k) { return KernelArgs.of(k); }

    private void launch(Launch geometry, KernelArgs a) { device.launch(a.kernel(), geometry, a); }

    /** A 1-D grid-stride launch over {@code n} items; nothing is launched when {@code n == 0}. */
    private void gridStride(long n, KernelArgs a) {
        if (n > 0) launch(Launch.gridStride(n), a);
    }

    /** One block of {@link Launch#THREADS} per row. */
    private void perRow(int rows, KernelArgs a) {
        if (rows > 0) launch(new Launch(rows, 1, Launch.THREADS, 1, 0), a);
    }

    /** A row kernel of {@code family} over {@code rows} rows of {@code n}: a warp or a block per row ({@link RowGeometry}). */
    private void rowKernel(String family, int rows, int n, KernelArgs a) {
        if (rows > 0) launch(RowGeometry.launch(family, rows, n), a);
    }

    /** The arguments of a column-sum kernel writing to {@code out}, {@code =} or {@code +=} ({@code accumulate} 0 or 1). */
    @FunctionalInterface
    private interface ColumnPass {
        KernelArgs into(long out, int accumulate);
    }

    /**
     * Column sums over {@code rows} rows of {@code n} columns into {@code out} ({@code +=} when {@code accumulate}):
     * {@code pass} in one launch when one slice of rows is enough, else its per-slice partial sums into a
     * {@code [slices, n]} buffer and {@code reduce_cols} adding them, in slice order, into {@code out} ({@link ColumnSums}).
     */
    private void columnSums(int rows, int n, boolean accumulate, long out, ColumnPass pass) {
        if (n <= 0) return;
        int slices = ColumnSums.slices(rows, n), acc = accumulate ? 1 : 0;
        if (slices == 1) {
            launch(ColumnSums.launch(n, 1), pass.into(out, acc));
            return;
        }
        MemoryBlock partials = allocator.allocate((long) slices * n * Float.BYTES);
        try {
            launch(ColumnSums.launch(n, slices), pass.into(partials.address(), 0));
            launch(ColumnSums.launch(n, 1), args(Kernel.REDUCE_COLS_VJP).ptr(partials.address()).ptr(out).i32(slices).i32(n).i32(acc));
        } finally {
            allocator.free(partials); // queue order keeps the next user of this block behind both launches
        }
    }

    // ---- memory ------------------------------------------------------------------------------
    @Override public Tensor allocate(Shape shape, DType dtype) {
        return new Tensor(shape, dtype, new CudaStorage(allocator, shape.size() * dtype.bytes()), 0, this);
    }

    @Override public void fill(Tensor t, double value) {
        switch (t.dtype()) {
            case F32 -> device.fill32(ptr(t), Float.floatToRawIntBits((float) value), t.size());
            case I32 -> device.fill32(ptr(t), (int) value, t.size());
            case BF16 -> device.fill16(ptr(t), Bf16.fromFloat((float) value), t.size());
        }
    }

    @Override public void copy(Tensor src, Tensor dst) {
        requireSameSize("copy", src, dst);
        requireSameDType("copy", src, dst);
        device.copy(in(src), ptr(dst), bytes(src));
    }

    @Override public void cast(Tensor src, Tensor dst) {
        requireSameSize("cast", src, dst);
        if (src.dtype() == dst.dtype()) {
            copy(src, dst);
            return;
        }
        Kernel k = switch (src.dtype()) {
            case F32 -> dst.dtype() == DType.BF16 ? Kernel.CAST_F32_BF16 : null;
            case BF16 -> dst.dtype() == DType.F32 ? Kernel.CAST_BF16_F32 : null;
            case I32 -> dst.dtype() == DType.F32 ? Kernel.CAST_I32_F32 : null;
        };
        if (k == null) throw new IllegalArgumentException("cast: " + src.dtype() + " → " + dst.dtype() + " is not supported");
        gridStride(src.size(), args(k).ptr(in(src)).ptr(ptr(dst)).i64(src.size()));
    }

    // ---- the host boundary -------------------------------------------------------------------
    @Override public void upload(float[] src, Tensor dst) {
        requireHostLength("upload", src.length, dst);
        if (dst.dtype() == DType.BF16) {
            short[] h = new short[src.length];
            for (int i = 0; i < h.length; i++) h[i] = Bf16.fromFloat(src[i]);
            device.copyToDevice(h, ptr(dst));
        } else {
            requireDType("upload", dst, DType.F32);
            device.copyToDevice(src, ptr(dst));
        }
        count(uploads, bytesUp, dst);
    }

    @Override public void upload(int[] src, Tensor dst) {
        requireHostLength("upload", src.length, dst);
        requireDType("upload", dst, DType.I32);
        device.copyToDevice(src, ptr(dst));
        count(uploads, bytesUp, dst);
    }

    @Override public void download(Tensor src, float[] dst) {
        requireHostLength("download", dst.length, src);
        if (src.dtype() == DType.BF16) {
            short[] h = new short[dst.length];
            device.copyToHost(in(src), h);
            for (int i = 0; i < h.length; i++) dst[i] = Bf16.toFloat(h[i]);
        } else {
            requireDType("download", src, DType.F32);
            device.copyToHost(in(src), dst);
        }
        count(downloads, bytesDown, src);
    }

    @Override public void download(Tensor src, int[] dst) {
        requireHostLength("download", dst.length, src);
        requireDType("download", src, DType.I32);
        device.copyToHost(in(src), dst);
        count(downloads, bytesDown, src);
    }

    private static void count(AtomicLong calls, AtomicLong bytes, Tensor t) {
        calls.incrementAndGet();
        bytes.addAndGet(t.size() * t.dtype().bytes());
    }

    // ---- random numbers ----------------------------------------------------------------------
    @Override public void random(RandomKey key, Distribution dist, long first, Tensor out) {
        requireDType("random", out, DType.F32);
        Distribution.requireStart(dist, first);
        Kernel k = dist == Distribution.UNIFORM ? Kernel.PHILOX_UNIFORM_FWD : Kernel.PHILOX_NORMAL_FWD;
        long firstBlock = dist == Distribution.UNIFORM ? first / 4 : first; // the kernels count Philox blocks
        KernelArgs a = args(k).ptr(ptr(out)).i64(out.size()).i64(firstBlock).i32(key.s0()).i32(key.s1()).i32(key.k0()).i32(key.k1());
        gridStride(out.size(), dist == Distribution.UNIFORM ? a.f32(0f).f32(1f) : a); // U[0, 1): lo 0, hi 1
    }

    // ---- elementwise -------------------------------------------------------------------------
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) {
        requireSameSize(op.name().toLowerCase(), x, out);
        gridStride(x.size(), args(Kernel.UNARY_FWD).i32(op.ordinal()).ptr(in(x)).ptr(ptr(out)).i64(x.size()));
    }

    @Override public void unaryDerivative(UnaryOp op, Tensor x, Tensor y, Tensor g, Tensor out) {
        requireSameSize(op.name().toLowerCase() + " derivative", x, out);
        gridStride(x.size(), args(Kernel.UNARY_VJP).i32(op.ordinal()).ptr(in(x)).ptr(in(y)).ptr(in(g)).ptr(ptr(out)).i64(x.size()));
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Broadcast bc, Tensor out) {
        gridStride(bc.total(), args(Kernel.BINARY_FWD).i32(op.ordinal()).ptr(in(a)).ptr(in(b)).i64(bc.n()).i64(bc.inner())
                .ptr(ptr(out)).i64(bc.total()));
    }

    @Override public void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
        requireSameSize("axpby", x, out);
        gridStride(x.size(), args(Kernel.AXPBY_FWD).f32(alpha).ptr(in(x)).f32(beta).ptr(y == null ? 0L : in(y)).ptr(ptr(out))
                .i64(x.size()));
    }

    @Override public void where(Tensor mask, Broadcast bc, Tensor a, Tensor b, Tensor out) {
        requireSameDType("where", a, b);
        requireSameDType("where", a, out);
        Kernel k = a.dtype() == DType.BF16 ? Kernel.WHERE_FWD_B16 : Kernel.WHERE_FWD; // F32 and I32: 4-byte moves
        gridStride(bc.total(), args(k).ptr(in(mask)).i64(bc.n()).i64(bc.inner()).ptr(in(a)).ptr(in(b)).ptr(ptr(out)).i64(bc.total()));
    }

    @Override public void iota(Tensor out) {
        Kernel k = switch (out.dtype()) {
            case F32 -> Kernel.IOTA_FWD_F32;
            case I32 -> Kernel.IOTA_FWD_I32;
            case BF16 -> throw new IllegalArgumentException("iota: F32 or I32 only, got " + out);
        };
        gridStride(out.size(), args(k).ptr(ptr(out)).i64(out.size()));
    }

    @Override public int selectNonzero(Tensor mask, Tensor indices) {
        requireDType("selectNonzero", indices, DType.I32);
        if (indices.size() < mask.size()) throw new IllegalArgumentException("selectNonzero: " + indices + " is shorter than the mask " + mask);
        Tensor count = allocate(Shape.of(1), DType.I32);
        try {
            int threads = PtxText.constant("selection", "select_nonzero_threads");
            launch(new Launch(1, 1, threads, 1, 0),
                    args(Kernel.SELECT_NONZERO_FWD).ptr(in(mask)).i64(mask.size()).ptr(ptr(indices)).ptr(ptr(count)));
            int[] n = new int[1];
            download(count, n);
            return n[0];
        } finally {
            count.storage().release();
        }
    }

    // ---- reductions --------------------------------------------------------------------------
    @Override public void sumLastAxis(Tensor x, Tensor out) {
        int rows = x.shape().rows(), n = x.shape().last();
        perRow(rows, args(Kernel.SUM_ROWS_FWD).ptr(in(x)).ptr(ptr(out)).i32(rows).i32(n));
    }

    @Override public void sumAll(Tensor x, Tensor out) {
        launch(new Launch(1, 1, 1024, 1, 0), args(Kernel.SUM_ALL_FWD).ptr(in(x)).ptr(ptr(out)).i64(x.size()));
    }

    @Override public void reduceBroadcast(Tensor g, Broadcast bc, Tensor out) {
        if (bc.inner() == 1) {
            int n = Math.toIntExact(bc.n()), outer = Math.toIntExact(bc.outer());
            columnSums(outer, n, false, ptr(out), (dst, acc) -> args(Kernel.REDUCE_COLS_VJP).ptr(in(g)).ptr(dst).i32(outer).i32(n).i32(acc));
        } else {
            perRow(Math.toIntExact(bc.n()), args(Kernel.REDUCE_BROADCAST_VJP).ptr(in(g)).ptr(ptr(out)).i64(bc.outer()).i64(bc.n())
                    .i64(bc.inner()));
        }
    }

    // ---- matrix products ---------------------------------------------------------------------
    @Override public void gemm(GemmSpec s, Tensor a, Tensor b, Tensor c) {
        if (s.batch() <= 0 || s.m() <= 0 || s.n() <= 0) return;
        long pa = in(a) + s.offA() * Float.BYTES, pb = in(b) + s.offB() * Float.BYTES;
        if (gemmInputs() == GemmInputs.BF16 && s.k() > 0) gemmBf16(s, pa, pb, c);
        else device.gemm(s, GemmInputs.F32, pa, pb, ptr(c) + s.offC() * Float.BYTES);
        flops.add((long) s.flops());
    }

    /**
     * Autocast: bf16 A and B with the same leading dimensions and batch strides, then one bf16 GEMM with fp32
     * accumulation into fp32 C. An operand inside a parameter buffer ({@link #markParameters}) reads that buffer's
     * bf16 copy, cast once after each change of the buffer (so once per optimizer step); any other operand
     * (activations, tangents, gradients) is rounded to bf16 (nearest even) into a workspace block here, per GEMM.
     */
    private void gemmBf16(GemmSpec s, long pa, long pb, Tensor c) {
        MemoryBlock a16 = null, b16 = null;
        try {
            long qa = cachedWeights(pa, s.spanA()), qb = cachedWeights(pb, s.spanB());
            if (qa == 0) qa = (a16 = castToWorkspace(pa, s.spanA())).address();
            if (qb == 0) qb = (b16 = castToWorkspace(pb, s.spanB())).address();
            // C's write is counted only now, after the operands' copies were checked: C inside a parameter buffer
            // must leave its copy stale for the next GEMM, not refreshed before this one writes it
            device.gemm(s, GemmInputs.BF16, qa, qb, ptr(c) + s.offC() * Float.BYTES);
        } finally {
            if (a16 != null) allocator.free(a16); // queue order keeps the next user of these blocks behind the GEMM
            if (b16 != null) allocator.free(b16);
        }
    }

    /** The bf16 copy of a span inside a parameter buffer (recast first if stale), or 0: not cached. */
    private long cachedWeights(long address, long elements) {
        return weightCache == null ? 0 : weightCache.operand(address, elements);
    }

    private MemoryBlock castToWorkspace(long src, long elements) {
        MemoryBlock b = allocator.allocate(elements * Short.BYTES);
        castToBf16(src, b.address(), elements);
        return b;
    }

    /** fp32 → bf16 (nearest even), {@code n} elements, one grid-stride launch. */
    private void castToBf16(long src, long dst, long n) { gridStride(n, args(Kernel.CAST_F32_BF16).ptr(src).ptr(dst).i64(n)); }

    // ---- movement ----------------------------------------------------------------------------
    @Override public void permute(Tensor x, Permutation perm, Tensor out) {
        requireSameDType("permute", x, out);
        int r = x.shape().rank();
        if (r > 8) throw new IllegalArgumentException("permute: rank " + r + " > 8 is not supported on CUDA");
        int[] outDims = perm.apply(x.shape()).dims();
        long[] sourceStrides = perm.sourceStrides(x.shape());
        long[] geom = new long[17]; // PermGeom: od[8], st[8], rank
        for (int i = 0; i < 8; i++) geom[i] = 1;
        for (int i = 0; i < r; i++) { geom[i] = outDims[i]; geom[8 + i] = sourceStrides[i]; }
        geom[16] = r;
        Kernel k = x.dtype() == DType.BF16 ? Kernel.PERMUTE_FWD_B16 : Kernel.PERMUTE_FWD;
        gridStride(x.size(), args(k).ptr(in(x)).ptr(ptr(out)).permGeom(geom).i64(x.size()));
    }

    @Override public void copyRuns(Tensor src, long srcOff, long srcStride, Tensor dst, long dstOff, long dstStride,
                                   int rows, int len, boolean accumulate) {
        requireSameDType("copyRuns", src, dst);
        if (accumulate) requireDType("copyRuns (accumulate)", dst, DType.F32);
        boolean halves = src.dtype() == DType.BF16;
        KernelArgs a = args(halves ? Kernel.COPY_RUNS_FWD_B16 : Kernel.COPY_RUNS_FWD).ptr(in(src)).i64(srcOff).i64(srcStride)
                .ptr(ptr(dst)).i64(dstOff).i64(dstStride).i64(rows).i64(len);
        gridStride((long) rows * len, halves ? a : a.i32(accumulate ? 1 : 0));
    }

    @Override public void gatherRows(Tensor table, Tensor idx, Tensor out) {
        requireDType("gather", idx, DType.I32);
        requireSameDType("gather", table, out);
        if (table.dtype() == DType.BF16) throw new IllegalArgumentException("gather: BF16 tables are not supported on CUDA yet");
        int width = table.shape().last();
        gridStride(idx.size() * width, args(Kernel.GATHER_ROWS_FWD).ptr(in(table)).ptr(in(idx)).ptr(ptr(out)).i64(idx.size()).i64(width));
    }

    @Override public void scatterAddRows(Tensor g, Tensor idx, Tensor tableGrad) {
        requireDType("scatter", idx, DType.I32);
        int width = tableGrad.shape().last();
        gridStride(idx.size() * width, args(Kernel.SCATTER_ADD_ROWS_VJP).ptr(in(g)).ptr(in(idx)).ptr(ptr(tableGrad))
                .i64(idx.size()).i64(width));
    }

    // ---- fused kernels -----------------------------------------------------------------------
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd) {
        int rows = x.shape().rows(), n = x.shape().last();
        rowKernel("rmsnorm", rows, n, args(Kernel.RMSNORM_FWD).ptr(in(x)).ptr(in(w)).f32(eps).ptr(ptr(y)).ptr(ptr(rstd)).i32(rows).i32(n));
    }

    @Override public void rmsNormDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor y, Tensor ty, Tensor rstd) {
        int rows = x.shape().rows(), n = x.shape().last();
        rowKernel("rmsnorm", rows, n, args(Kernel.RMSNORM_JVP).ptr(in(x)).ptr(in(tx)).ptr(in(w)).f32(eps).ptr(ptr(y)).ptr(ptr(ty)).ptr(ptr(rstd))
                .i32(rows).i32(n));
    }

    @Override public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, boolean addToDx, Tensor dw) {
        int rows = x.shape().rows(), n = x.shape().last();
        rowKernel("rmsnorm", rows, n, args(Kernel.RMSNORM_VJP).ptr(in(x)).ptr(in(w)).ptr(in(rstd)).ptr(in(dy)).ptr(ptr(dx)).i32(rows).i32(n)
                .i32(addToDx ? 1 : 0));
        if (dw != null && rows > 0)
            columnSums(rows, n, true, ptr(dw), (dst, acc) -> args(Kernel.RMSNORM_DW_VJP).ptr(in(x)).ptr(in(rstd)).ptr(in(dy)).ptr(dst)
                    .i32(rows).i32(n).i32(acc));
    }

    @Override public void gatedResidual(Tensor x, Tensor branch, Tensor gate, Tensor out) {
        requireGatedResidual("gated residual", x, branch, gate, out);
        gridStride(x.size(), args(Kernel.GATED_RESIDUAL_FWD).ptr(in(x)).ptr(in(branch)).ptr(in(gate)).i64(gate.size()).ptr(ptr(out))
                .i64(x.size()));
    }

    @Override public void gatedResidualBackward(Tensor dy, Tensor branch, Tensor gate, Tensor dBranch, Tensor dGate) {
        requireGatedResidualBackward("gated residual backward", dy, branch, gate, dBranch, dGate);
        int rows = dy.shape().rows(), n = dy.shape().last();
        columnSums(rows, n, false, ptr(dGate), (dst, acc) -> args(Kernel.GATED_RESIDUAL_VJP).ptr(in(dy)).ptr(in(branch)).ptr(in(gate))
                .ptr(ptr(dBranch)).ptr(dst).i32(rows).i32(n).i32(acc));
    }

    @Override public void rope(Tensor x, Tensor cos, Tensor sin, int heads, boolean inverse, Tensor out) {
        int headDim = ropeHeadDim(x, heads);
        long rows = x.shape().rows();
        gridStride(rows * heads * (headDim / 2), args(Kernel.ROPE_FWD).ptr(in(x)).ptr(in(cos)).ptr(in(sin)).ptr(ptr(out))
                .i64(rows).i32(seqLen(x)).i32(heads).i32(headDim).f32(inverse ? -1f : 1f));
    }

    @Override public void ropeDual(Tensor x, Tensor tx, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty) {
        int headDim = ropeHeadDim(x, heads);
        long rows = x.shape().rows();
        gridStride(rows * heads * (headDim / 2), args(Kernel.ROPE_JVP).ptr(in(x)).ptr(in(tx)).ptr(in(cos)).ptr(in(sin))
                .ptr(ptr(y)).ptr(ptr(ty)).i64(rows).i32(seqLen(x)).i32(heads).i32(headDim));
    }

    @Override public void swiglu(Tensor a, Tensor b, Tensor y) {
        gridStride(a.size(), args(Kernel.SWIGLU_FWD).ptr(in(a)).ptr(in(b)).ptr(ptr(y)).i64(a.size()));
    }

    @Override public void swigluDual(Tensor a, Tensor ta, Tensor b, Tensor tb, Tensor y, Tensor ty) {
        gridStride(a.size(), args(Kernel.SWIGLU_JVP).ptr(in(a)).ptr(in(ta)).ptr(in(b)).ptr(in(tb)).ptr(ptr(y)).ptr(ptr(ty))
                .i64(a.size()));
    }

    @Override public void swigluBackward(Tensor a, Tensor b, Tensor dy, Tensor da, Tensor db) {
        gridStride(a.size(), args(Kernel.SWIGLU_VJP).ptr(in(a)).ptr(in(b)).ptr(in(dy)).ptr(ptr(da)).ptr(ptr(db)).i64(a.size()));
    }

    @Override public void softmax(Tensor x, Tensor y) {
        int rows = x.shape().rows(), n = x.shape().last();
        rowKernel("softmax", rows, n, args(Kernel.SOFTMAX_FWD).ptr(in(x)).ptr(ptr(y)).i32(rows).i32(n));
    }

    @Override public void softmaxDual(Tensor x, Tensor tx, Tensor y, Tensor ty) {
        int rows = x.shape().rows(), n = x.shape().last();
        rowKernel("softmax", rows, n, args(Kernel.SOFTMAX_JVP).ptr(in(x)).ptr(in(tx)).ptr(ptr(y)).ptr(ptr(ty)).i32(rows).i32(n));
    }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        int rows = y.shape().rows(), n = y.shape().last();
        rowKernel("softmax", rows, n, args(Kernel.SOFTMAX_VJP).ptr(in(y)).ptr(in(dy)).ptr(ptr(dx)).i32(rows).i32(n));
    }

    @Override public void attention(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse) {
        boolean bf16 = flash(s);
        launchAttention(bf16, "fwd", s, args(bf16 ? Kernel.FLASH_ATTENTION_FWD : Kernel.ATTENTION_FWD).ptr(in(q)).ptr(in(k))
                .ptr(in(v)).ptr(ptr(o)).ptr(ptr(lse)));
        flops.add(s.flops(1));
    }

    @Override public void attentionDual(AttentionSpec s, Tensor q, Tensor tq, Tensor k, Tensor tk, Tensor v, Tensor tv,
                                        Tensor o, Tensor to, Tensor lse) {
        boolean bf16 = flash(s);
        launchAttention(bf16, "jvp", s, args(bf16 ? Kernel.FLASH_ATTENTION_JVP : Kernel.ATTENTION_JVP).ptr(in(q)).ptr(in(tq))
                .ptr(in(k)).ptr(in(tk)).ptr(in(v)).ptr(in(tv)).ptr(ptr(o)).ptr(ptr(to)).ptr(ptr(lse)));
        flops.add(s.flops(3));
    }

    /** Whether attention's forward goes to the bf16 tensor-core kernels: asked for, and a head dim they handle. */
    private boolean flash(AttentionSpec s) {
        return attentionPrecision == AttentionPrecision.BF16 && FlashAttentionGeometry.supports(s);
    }

    /**
     * Launches attention kernel {@code kernel} ({@code fwd}, {@code jvp}, {@code dq}, {@code dkdv}) of the bf16 flash
     * family or the fp32 one, with its geometry and the trailing arguments of its family: {@code L, H, scale} (flash,
     * head dim fixed by the kernel) or {@code L, H, Dh, scale}.
     */
    private void launchAttention(boolean bf16, String kernel, AttentionSpec s, KernelArgs a) {
        if (bf16) launch(FlashAttentionGeometry.launch(kernel, s), a.i32(s.length()).i32(s.heads()).f32(s.scale()));
        else launch(AttentionGeometry.launch(kernel, s), a.i32(s.length()).i32(s.heads()).i32(s.headDim()).f32(s.scale()));
    }

    @Override public void attentionBackward(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor dO,
                                            Tensor dq, Tensor dk, Tensor dv) {
        // D_i = dO_i·o_i per row, written by the dq kernel and read by the dk/dv kernel: B·H·L floats, not L×L.
        MemoryBlock dbuf = allocator.allocate((long) s.batch() * s.heads() * s.length() * Float.BYTES);
        try {
            boolean bf16 = flash(s);
            launchAttention(bf16, "dq", s, args(bf16 ? Kernel.FLASH_ATTENTION_DQ_VJP : Kernel.ATTENTION_DQ_VJP).ptr(in(q)).ptr(in(k))
                    .ptr(in(v)).ptr(in(o)).ptr(in(lse)).ptr(in(dO)).ptr(ptr(dq)).ptr(dbuf.address()));
            launchAttention(bf16, "dkdv", s, args(bf16 ? Kernel.FLASH_ATTENTION_DKDV_VJP : Kernel.ATTENTION_DKDV_VJP).ptr(in(q))
                    .ptr(in(k)).ptr(in(v)).ptr(in(lse)).ptr(in(dO)).ptr(dbuf.address()).ptr(ptr(dk)).ptr(ptr(dv)));
        } finally {
            allocator.free(dbuf); // queue order keeps the next user of this block behind both kernels
        }
        flops.add(s.flops(2.5));
    }

    @Override public void timestepFeatures(Tensor s, float maxPeriod, boolean derivative, Tensor out) {
        int dim = out.shape().last();
        if (dim % 2 != 0) throw new IllegalArgumentException("timestep features: dim " + dim + " is odd; need [cos, sin] halves");
        long count = s.size();
        gridStride(count * (dim / 2), args(derivative ? Kernel.TIMESTEP_JVP : Kernel.TIMESTEP_FWD).ptr(in(s)).ptr(ptr(out))
                .i64(count).i32(dim / 2).f64(Math.log(maxPeriod)));
    }

    // ---- images -------------------------------------------------------------------------------
    @Override public void im2col(Tensor x, Window2d w, Tensor cols) {
        ImageShapes.requireIm2col(x, w, cols);
        gridStride(cols.size(), args(Kernel.IM2COL_FWD).ptr(in(x)).ptr(ptr(cols)).i32(x.dim(0)).i32(x.dim(1)).i32(x.dim(2)).i32(x.dim(3))
                .i32(w.height()).i32(w.width()).i32(w.stride()).i32(w.padY()).i32(w.padX()).i32(w.outY(x.dim(2))).i32(w.outX(x.dim(3))));
    }

    @Override public void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps, Tensor y) {
        ImageShapes.requireGroupNorm(x, gamma, beta, groups, y);
        perRow(x.dim(0) * groups, args(Kernel.GROUP_NORM_FWD).ptr(in(x)).ptr(in(gamma)).ptr(in(beta)).ptr(ptr(y)).i32(x.dim(1)).i32(groups)
                .i64((long) x.dim(2) * x.dim(3)).f32(eps));
    }

    @Override public void upsampleNearest2x(Tensor x, Tensor y) {
        ImageShapes.requireUpsample2x(x, y);
        gridStride(y.size(), args(Kernel.UPSAMPLE_NEAREST2X_FWD).ptr(in(x)).ptr(ptr(y)).i64((long) x.dim(0) * x.dim(1)).i32(x.dim(2))
                .i32(x.dim(3)));
    }

    @Override public void pool2d(Pooling kind, Window2d w, Tensor x, Tensor y) {
        ImageShapes.requirePool(w, x, y);
        KernelArgs a = args(kind == Pooling.MAX ? Kernel.MAX_POOL_FWD : Kernel.AVG_POOL_FWD).ptr(in(x)).ptr(ptr(y))
                .i64((long) x.dim(0) * x.dim(1)).i32(x.dim(2)).i32(x.dim(3)).i32(y.dim(2)).i32(y.dim(3))
                .i32(w.height()).i32(w.stride()).i32(w.padY()); // square: checked
        gridStride(y.size(), kind == Pooling.MAX ? a : a.i32(kind == Pooling.AVG_INCLUDE_PAD ? 1 : 0));
    }

    // ---- optimizer ---------------------------------------------------------------------------
    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep st) {
        requireSameSize("adamw", param, grad);
        gridStride(param.size(), args(Kernel.ADAMW_FWD).ptr(ptr(param)).ptr(in(grad)).ptr(ptr(m)).ptr(ptr(v))
                .f32(st.lr()).f32(st.beta1()).f32(st.beta2()).f32(st.eps()).f32(st.weightDecay())
                .f32((float) (1 / st.biasCorrection1())).f32((float) (1 / st.biasCorrection2())).i64(param.size()));
    }

    @Override public void emaUpdate(Tensor ema, Tensor param, float decay) {
        requireSameSize("ema", ema, param);
        gridStride(ema.size(), args(Kernel.EMA_FWD).ptr(ptr(ema)).ptr(in(param)).f32(decay).i64(ema.size()));
    }

    // ---- helpers -----------------------------------------------------------------------------
    private static int ropeHeadDim(Tensor x, int heads) {
        int headDim = x.shape().last() / heads;
        if (headDim % 2 != 0) throw new IllegalArgumentException("rope: head width " + headDim + " is odd; pairs need an even Dh");
        return headDim;
    }

    private static int seqLen(Tensor x) { return x.rank() >= 2 ? x.dim(-2) : 1; }
}
