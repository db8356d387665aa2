package imfengine.data;

import imfengine.tensor.Arena;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * The data-loading upload point of a training step: gathers a batch of a {@link Dataset} into host
 * buffers (reused from step to step) and uploads it, images {@code [B, H, W, C]} (F32) and labels
 * {@code [B]} (I32), into tensors of the given arena: two host→device copies per step. A data-parallel rank
 * loads only its rows of each batch (their positions in it), while its sampler draws the whole batch as every
 * rank's does, so all ranks stay at the same place in the data.
 */
public final class BatchLoader {
    /** One batch on the device. */
    public record Batch(Tensor images, Tensor labels) {}

    private final Dataset data;
    private final float[] images;
    private final int[] labels, indices, rows, positions;
    private final Shape imageShape, labelShape;

    public BatchLoader(Dataset data, int batch) { this(data, batch, java.util.stream.IntStream.range(0, batch).toArray()); }

    /** Loads the rows at {@code positions} (in that order) of each batch of {@code batch}. */
    public BatchLoader(Dataset data, int batch, int[] positions) {
        if (positions.length == 0) throw new IllegalArgumentException("no rows of a batch of " + batch);
        for (int p : positions)
            if (p < 0 || p >= batch) throw new IllegalArgumentException("row " + p + " of a batch of " + batch);
        int n = positions.length;
        this.data = data;
        this.positions = positions.clone();
        this.images = new float[n * data.imageSize()];
        this.labels = new int[n];
        this.indices = new int[batch];
        this.rows = new int[n];
        this.imageShape = Shape.of(n, data.height(), data.width(), data.channels());
        this.labelShape = Shape.of(n);
    }

    /** The next batch of {@code sampler} as device tensors of {@code arena}. */
    public Batch load(Arena arena, BatchSampler sampler) {
        sampler.next(indices);
        for (int i = 0; i < rows.length; i++) rows[i] = indices[positions[i]];
        data.fillBatch(rows, images, labels);
        Tensor x = arena.empty(imageShape), y = arena.empty(labelShape, DType.I32);
        arena.backend().upload(images, x);
        arena.backend().upload(labels, y);
        return new Batch(x, y);
    }
}
