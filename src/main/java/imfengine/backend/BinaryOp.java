package imfengine.backend;

/** Elementwise binary arithmetic, {@code out = a ∘ b} with {@code b} broadcast over {@code a}. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV
}
