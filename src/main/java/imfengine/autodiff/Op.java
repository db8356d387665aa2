package imfengine.autodiff;

import imfengine.backend.UnaryOp;

/** What a tape node computed: the names in backward-pass error messages and tape inspection. */
public enum Op {
    ADD, SUB, MUL, DIV, SCALE,
    EXP, SILU, SIGMOID, SQUARE, RSQRT, NEG, LOG,
    SUM, SUM_ALL, RESHAPE, PERMUTE, CONCAT, SLICE, GATHER, WHERE, CAST,
    MATMUL, RMS_NORM, ROPE, RMS_NORM_ROPE, SWIGLU, GATED_RESIDUAL, SOFTMAX, ATTENTION, TIMESTEP_FEATURES, CROSS_ENTROPY,
    CONV2D, GROUP_NORM, UPSAMPLE_NEAREST, POOL2D, RELU, // forward only (ops.ForwardOnly)
    RECOMPUTE;

    /** The tape name of an elementwise function. */
    public static Op of(UnaryOp u) {
        return switch (u) {
            case EXP -> EXP;
            case SILU -> SILU;
            case SIGMOID -> SIGMOID;
            case SQUARE -> SQUARE;
            case RSQRT -> RSQRT;
            case NEG -> NEG;
            case LOG -> LOG;
        };
    }
}
