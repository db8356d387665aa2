/**
 * Datasets as plain arrays: {@link imfengine.data.Dataset} (N×H×W×C floats, channels last, plus int
 * labels), MNIST from the {@code make data} cache ({@link imfengine.data.MnistCache}) or from IDX files
 * ({@link imfengine.data.IdxDataset}), user latents from {@code .npy} ({@link imfengine.data.NpyDataset}),
 * and the seeded, resumable {@link imfengine.data.BatchSampler}. Depends only on {@code imfengine.io}.
 */
package imfengine.data;
