package imfengine.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * GFLOP done by a benchmark thread, which JMH reports as a rate: the secondary score {@code gflop} is GFLOP/s.
 * A benchmark method takes it as a parameter and adds its work per call.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Gflops {
    public double gflop;

    @Setup(Level.Iteration) public void reset() { gflop = 0; }
}
