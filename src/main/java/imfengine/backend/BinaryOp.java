package imfengine.backend;

/**
 * Elementwise binary functions, {@code out = a ∘ b} with {@code b} broadcast over {@code a}.
 * {@code LESS} is a comparison: 1 where {@code a < b}, else 0 (masks are float tensors).
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, LESS
}
