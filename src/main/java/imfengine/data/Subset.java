package imfengine.data;

/** A view of another dataset through an index map. */
final class Subset implements Dataset {
    private final Dataset base;
    private final int[] indices;

    Subset(Dataset base, int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= base.count()) throw new IllegalArgumentException("index " + i + " outside [0, " + base.count() + ")");
        }
        this.base = base;
        this.indices = indices.clone();
    }

    @Override public int count() { return indices.length; }
    @Override public int height() { return base.height(); }
    @Override public int width() { return base.width(); }
    @Override public int channels() { return base.channels(); }
    @Override public int numClasses() { return base.numClasses(); }
    @Override public int label(int i) { return base.label(indices[i]); }
    @Override public void copyImage(int i, float[] out, int offset) { base.copyImage(indices[i], out, offset); }
}
