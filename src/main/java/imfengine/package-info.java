/**
 * imf-engine: a tensor engine for Improved Mean Flows.
 *
 * <p>Dimension letters used across the code base: {@code B} batch, {@code L} sequence length
 * (condition tokens + patches), {@code D} hidden width, {@code H} heads, {@code Dh} head width,
 * {@code F} MLP hidden width, {@code N} rows of a row-major matrix (usually {@code B·L}).
 * A prefix {@code t} marks a tangent (forward mode), {@code d} a cotangent (reverse mode).
 *
 * <p>Layers, top to bottom (nothing reaches up): cli, imf, nn, optim, autodiff, ops, backend, tensor.
 */
package imfengine;
