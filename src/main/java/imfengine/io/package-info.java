/**
 * Files in and out, with no engine dependencies: {@code .npy} arrays ({@link imfengine.io.Npy}),
 * safetensors checkpoints ({@link imfengine.io.Safetensors}, header JSON via {@link imfengine.io.Json}),
 * PNG images and sample grids ({@link imfengine.io.PngWriter}, {@link imfengine.io.ImageGrid}). Every
 * write is atomic ({@link imfengine.io.AtomicWrite}); every read validates and fails with a one-line
 * {@link imfengine.io.FileFormatException} naming the file.
 */
package imfengine.io;
