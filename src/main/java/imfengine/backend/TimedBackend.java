package imfengine.backend;

import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Times every call into a {@link Backend} while a recording is open, with the host clock, and sums the
 * times per method (the family) and per method at one shape (the kernel) into a {@link DeviceProfile}:
 * the CPU's {@code bench --profile}. Suits a backend whose kernels finish before they return (the CPU);
 * CUDA times its launches at the device seam instead ({@code TimedDevice}).
 * <p>The wrapper is a {@link Proxy}: every method of the interface, present and future, is timed without
 * a line per method. Tensors it allocates name the wrapper as their backend, so the model's calls through
 * {@code tensor.backend()} are timed too. A call's flops are what {@link Backend#matrixFlops()} counted
 * during it. Outside a recording the wrapper only forwards.
 * <pre>
 *   TimedBackend timed = TimedBackend.wrap(cpu);
 *   Backend be = timed.backend();           // hand this to the model
 *   timed.start();  step.run(…);  DeviceProfile p = timed.stop();
 * </pre>
 */
public final class TimedBackend implements ProfileRecorder {
    private static final Method ALLOCATE = allocateMethod();
    private final Backend inner;
    private final Backend proxy;
    private final LongSupplier clock;
    private final List<DeviceProfile.Call> calls = new ArrayList<>();
    private final List<Double> millis = new ArrayList<>();
    private volatile boolean recording;
    private long startNanos, allocations;

    private TimedBackend(Backend inner, LongSupplier clock) {
        this.inner = inner;
        this.clock = clock;
        this.proxy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, this::invoke);
    }

    /** Times {@code inner}'s calls with {@link System#nanoTime()}. */
    public static TimedBackend wrap(Backend inner) { return new TimedBackend(inner, System::nanoTime); }

    /** As {@link #wrap(Backend)}, with another clock (nanoseconds): tests. */
    static TimedBackend wrap(Backend inner, LongSupplier clock) { return new TimedBackend(inner, clock); }

    /** The timed backend, to use in place of the wrapped one. */
    public Backend backend() { return proxy; }

    /** The wrapped backend. */
    public Backend inner() { return inner; }

    @Override public synchronized void start() {
        if (recording) throw new IllegalStateException("a recording is already open");
        inner.synchronize();
        calls.clear();
        millis.clear();
        allocations = 0;
        startNanos = clock.getAsLong();
        recording = true;
    }

    @Override public synchronized DeviceProfile stop() {
        if (!recording) throw new IllegalStateException("no recording is open");
        inner.synchronize();
        double wallMs = (clock.getAsLong() - startNanos) / 1e6;
        recording = false;
        double[] ms = millis.stream().mapToDouble(Double::doubleValue).toArray();
        return DeviceProfile.of("host clock", wallMs, List.copyOf(calls), ms, allocations, 0);
    }

    private Object invoke(Object self, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) return objectMethod(method, args);
        if (!recording || isQuery(method)) return rebind(forward(method, args));
        synchronized (this) {
            return rebind(timed(method, args));
        }
    }

    private Object timed(Method method, Object[] args) throws Throwable {
        long flops0 = inner.matrixFlops(), t0 = clock.getAsLong();
        Object result = forward(method, args);
        long t1 = clock.getAsLong();
        String family = method.getName();
        calls.add(new DeviceProfile.Call(KernelNames.of(family, args), family, inner.matrixFlops() - flops0));
        millis.add((t1 - t0) / 1e6);
        if (method.equals(ALLOCATE)) allocations++;
        return result;
    }

    private static Method allocateMethod() {
        try {
            return Backend.class.getMethod("allocate", Shape.class, DType.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The counters a bench reads around runs: not work, so not timed. */
    private static boolean isQuery(Method m) {
        return m.getParameterCount() == 0 && m.getReturnType() != void.class;
    }

    private Object forward(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(inner, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A tensor the inner backend handed out, re-issued as the wrapper's, so calls through it are timed. */
    private Object rebind(Object result) {
        return result instanceof Tensor t && t.backend() == inner ? new Tensor(t.shape(), t.dtype(), t.storage(), t.offset(), proxy) : result;
    }

    private Object objectMethod(Method method, Object[] args) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "timed " + inner.name();
        };
    }

    /** A call's kernel name: the method and the shape it ran at (a GEMM's spec, an attention's spec, else the first tensor's shape). */
    static final class KernelNames {
        private KernelNames() {}

        static String of(String method, Object[] args) {
            if (args == null) return method;
            for (Object a : args) {
                if (a instanceof GemmSpec g) return method + " " + gemm(g);
                if (a instanceof GemmSpec[] gs && gs.length > 0) { // the widths side by side: 2208x96+96+96x96 Bᵀ
                    StringBuilder widths = new StringBuilder();
                    for (GemmSpec g : gs) widths.append(widths.isEmpty() ? "" : "+").append(g.n());
                    return method + " " + gemm(gs[0], widths.toString());
                }
                if (a instanceof AttentionSpec s) return method + " " + s.batch() + "x" + s.length() + "x" + s.heads() + "x" + s.headDim();
            }
            for (Object a : args) if (a instanceof Tensor t) return method + " " + t.shape();
            return method;
        }

        /** {@code [batch×]m×n×k}, then which operands are transposed, {@code +C} when it adds to C, {@code ld} when a leading dimension is not the natural one. */
        private static String gemm(GemmSpec g) { return gemm(g, String.valueOf(g.n())); }

        /** As {@link #gemm(GemmSpec)}, with {@code n} written as {@code width}. */
        private static String gemm(GemmSpec g, String width) {
            GemmSpec natural = GemmSpec.of(g.m(), g.n(), g.k(), g.transA(), g.transB(), g.alpha(), g.beta());
            boolean strided = g.lda() != natural.lda() || g.ldb() != natural.ldb() || g.ldc() != natural.ldc();
            return (g.batch() > 1 ? g.batch() + "x" : "") + g.m() + "x" + width + "x" + g.k() + (g.transA() ? " Aᵀ" : "") + (g.transB() ? " Bᵀ" : "")
                    + (g.beta() != 0 ? " +C" : "") + (strided ? " ld" : "");
        }
    }
}
