package imfengine.data;

import imfengine.tensor.Arena;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * The data-loading upload point of a training step: gathers a batch of a {@link Dataset} into host
 * buffers (reused from step to step) and uploads it, images {@code [B, H, W, C]} (F32) and labels
 * {@code [B]} (I32), into tensors of the given arena: two host→device copies per step.
 */
public final class BatchLoader {
    /** One batch on the device. */
    public record Batch(Tensor images, Tensor labels) {}

    private final Dataset data;
    private final float[] images;
    private final int[] labels, indices;
    private final Shape imageShape, labelShape;

    public BatchLoader(Dataset data, int batch) {
        this.data = data;
        this.images = new float[batch * data.imageSize()];
        this.labels = new int[batch];
        this.indices = new int[batch];
        this.imageShape = Shape.of(batch, data.height(), data.width(), data.channels());
        this.labelShape = Shape.of(batch);
    }

    /** The next batch of {@code sampler} as device tensors of {@code arena}. */
    public Batch load(Arena arena, BatchSampler sampler) {
        sampler.next(indices);
        data.fillBatch(indices, images, labels);
        Tensor x = arena.empty(imageShape), y = arena.empty(labelShape, DType.I32);
        arena.backend().upload(images, x);
        arena.backend().upload(labels, y);
        return new Batch(x, y);
    }
}
