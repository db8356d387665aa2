/**
 * The image networks the engine evaluates with, not trains: the SD-VAE decoder and Inception-v3 for FID
 * (issue 14). Today: torch-fidelity's Inception-v3 for FID ({@link imfengine.vision.InceptionV3}) and the weight
 * transforms these networks need as their weights are loaded ({@link imfengine.vision.BatchNormFold}).
 * Their layers are the forward-only image ops of {@code imfengine.ops} ({@code Conv2d}, {@code GroupNorm},
 * {@code Resampling}).
 */
package imfengine.vision;
