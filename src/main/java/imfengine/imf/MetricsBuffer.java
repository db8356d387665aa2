package imfengine.imf;

import imfengine.backend.Backend;
import imfengine.distributed.ProcessGroup;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Each step's loss and plain MSEs stay on the device, copied into a row of a small buffer; the host
 * reads the buffer back every {@code capacity} steps (or when asked), one download for all of them, so
 * a step does not wait for the device just to print numbers. In a data-parallel run each rank's rows hold its
 * share of the batch's losses, and the read-back sums them over the ranks first.
 */
final class MetricsBuffer {
    /** Columns: loss, mse_u, mse_v (NaN where there is no v-loss). */
    private static final int COLUMNS = 3;
    private final Backend backend;
    private final ProcessGroup group;
    private final Tensor rows;
    private final long[] steps;
    private final double[] lr;
    private int filled;

    MetricsBuffer(Backend backend, int capacity) { this(backend, capacity, ProcessGroup.single()); }

    MetricsBuffer(Backend backend, int capacity, ProcessGroup group) {
        this.group = group;
        if (capacity < 1) throw new IllegalArgumentException("metrics buffer of " + capacity + " steps");
        this.backend = backend;
        this.rows = backend.allocate(Shape.of(capacity, COLUMNS), DType.F32);
        this.steps = new long[capacity];
        this.lr = new double[capacity];
    }

    boolean isFull() { return filled == steps.length; }

    boolean isEmpty() { return filled == 0; }

    /** Copies step {@code step}'s one-element tensors into the next row (device to device). */
    void record(long step, double learningRate, Tensor loss, Tensor mseU, Tensor mseV) {
        if (isFull()) throw new IllegalStateException("metrics buffer full: drain it first");
        Tensor row = rows.rows(filled, filled + 1).reshape(COLUMNS);
        backend.copy(loss, row.view(0, Shape.of(1)));
        backend.copy(mseU, row.view(1, Shape.of(1)));
        if (mseV == null) backend.fill(row.view(2, Shape.of(1)), Double.NaN);
        else backend.copy(mseV, row.view(2, Shape.of(1)));
        steps[filled] = step;
        lr[filled] = learningRate;
        filled++;
    }

    /** The recorded steps in order (one download; their seconds are the caller's to fill in), and an empty buffer. */
    List<Trainer.StepMetrics> drain() {
        List<Trainer.StepMetrics> out = new ArrayList<>(filled);
        if (filled == 0) return out;
        float[] host = new float[filled * COLUMNS];
        group.sumInPlace(rows.rows(0, filled));
        backend.download(rows.rows(0, filled), host);
        for (int i = 0; i < filled; i++)
            out.add(new Trainer.StepMetrics(steps[i], host[i * COLUMNS], host[i * COLUMNS + 1], host[i * COLUMNS + 2], lr[i], Double.NaN));
        filled = 0;
        return out;
    }
}
