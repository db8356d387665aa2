package imfengine.backend;

/** Elementwise functions the kernels know; each has a derivative kernel {@code g·f'(x)}. */
public enum UnaryOp {
    EXP, SILU, SIGMOID, SQUARE, RSQRT, NEG, LOG
}
