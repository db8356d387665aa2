package imfengine.backend;

/**
 * What {@link Backend#random} draws, element {@code i} from Philox blocks of its {@link RandomKey}:
 * <ul>
 *   <li>{@code UNIFORM}: {@code (word >>> 8)·2⁻²⁴} in [0, 1), word {@code i % 4} of block {@code i / 4};</li>
 *   <li>{@code NORMAL}: Box–Muller {@code √(−2 ln(1 − u1))·cos(2π u2)} with the 53-bit uniforms
 *       {@code u1, u2} made from block {@code i}'s words (0, 1) and (2, 3), in float64, rounded once.</li>
 * </ul>
 * The block index is the 64-bit Philox counter, so a draw has 2⁶⁴ blocks and may be made a piece at a time.
 */
public enum Distribution {
    UNIFORM, NORMAL;

    /** Checks that a draw may start at element {@code first}: not negative, and on a block's first word for UNIFORM. */
    public static void requireStart(Distribution dist, long first) {
        if (first < 0 || dist == UNIFORM && first % 4 != 0)
            throw new IllegalArgumentException("random: a " + dist + " draw cannot start at element " + first
                    + (first < 0 ? "" : " (uniforms start on a multiple of 4)"));
    }
}
