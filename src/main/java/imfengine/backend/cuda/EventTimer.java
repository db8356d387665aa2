package imfengine.backend.cuda;

import jcuda.driver.CUevent;

import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

/**
 * A {@link LaunchTimer} of CUDA events: a start and an end event recorded on the context's stream around
 * each call, so a duration is the GPU time between them (the call's kernels or copy, not the host's
 * launch overhead). Events are created as needed and reused after each {@link #drain()}; recording two
 * events per call costs a little host time, so a profiled step is slower than a plain one.
 */
public final class EventTimer implements LaunchTimer {
    private final CudaContext context;
    private final List<CUevent> starts = new ArrayList<>(), ends = new ArrayList<>();
    private int count;

    public EventTimer(CudaContext context) { this.context = context; }

    @Override public int begin() {
        context.bind();
        if (count == starts.size()) {
            starts.add(created());
            ends.add(created());
        }
        cuEventRecord(starts.get(count), context.stream());
        return count++;
    }

    private static CUevent created() {
        CUevent e = new CUevent();
        cuEventCreate(e, 0); // timing enabled (no CU_EVENT_DISABLE_TIMING)
        return e;
    }

    @Override public void end(int index) { cuEventRecord(ends.get(index), context.stream()); }

    @Override public double[] drain() {
        context.bind();
        double[] ms = new double[count];
        if (count > 0) cuEventSynchronize(ends.get(count - 1));
        float[] t = new float[1];
        for (int i = 0; i < count; i++) {
            cuEventElapsedTime(t, starts.get(i), ends.get(i));
            ms[i] = t[0];
        }
        count = 0;
        return ms;
    }

    @Override public String clock() { return "cuda events"; }

    @Override public void close() {
        context.bind();
        for (CUevent e : starts) cuEventDestroy(e);
        for (CUevent e : ends) cuEventDestroy(e);
        starts.clear();
        ends.clear();
        count = 0;
    }
}
