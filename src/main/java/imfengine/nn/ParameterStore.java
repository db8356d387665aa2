package imfengine.nn;

import imfengine.backend.Backend;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All parameters of a model in flat float32 buffers, one for the values and one for the gradients,
 * each parameter a view at its own offset (registration order). The optimizer state and the EMA
 * weights use the same layout ({@link #newBuffer}, {@link #views}), so one kernel launch updates every
 * parameter, one fill clears every gradient, and one all-reduce could average them.
 */
public final class ParameterStore {
    private final Backend backend;
    private final List<Parameter> params;
    private final long[] offsets;
    private final long size;
    private final Tensor values, gradients;

    private ParameterStore(Backend backend, List<Parameter> params) {
        this.backend = backend;
        this.params = List.copyOf(params);
        this.offsets = new long[params.size()];
        long n = 0;
        for (int i = 0; i < params.size(); i++) {
            offsets[i] = n;
            n += params.get(i).value().size();
        }
        this.size = n;
        this.values = backend.allocate(Shape.of(Math.toIntExact(n)), DType.F32);
        this.gradients = backend.allocate(Shape.of(Math.toIntExact(n)), DType.F32);
        backend.fill(gradients, 0);
        backend.markParameters(values);
    }

    /** Moves the values of {@code params} into fresh flat buffers and re-points each parameter at its views. */
    public static ParameterStore pack(Backend backend, List<Parameter> params) {
        ParameterStore store = new ParameterStore(backend, params);
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor own = p.value(), view = store.values.view(store.offsets[i], own.shape());
            backend.copy(own, view);
            own.storage().release();
            p.bind(view, store.gradients.view(store.offsets[i], own.shape()));
        }
        return store;
    }

    public Backend backend() { return backend; }

    public List<Parameter> parameters() { return params; }

    /** Number of float32 elements in each flat buffer. */
    public long size() { return size; }

    public Tensor values() { return values; }

    public Tensor gradients() { return gradients; }

    public void zeroGradients() { backend.fill(gradients, 0); }

    /** A fresh flat buffer of this layout, every element {@code value} (optimizer moments, EMA weights). */
    public Tensor newBuffer(double value) {
        Tensor t = backend.allocate(values.shape(), DType.F32);
        backend.fill(t, value);
        return t;
    }

    /** Name → the view of each parameter in {@code flat} (a buffer of this layout). */
    public Map<String, Tensor> views(Tensor flat) {
        if (flat.size() != size) throw new IllegalArgumentException("a buffer of " + flat.size() + " elements for a store of " + size);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) m.put(params.get(i).name(), flat.view(offsets[i], params.get(i).value().shape()));
        return m;
    }
}
