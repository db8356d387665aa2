package imfengine.distributed;

import imfengine.backend.cpu.CpuBackend;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parameter hash check passes when the ranks agree bit for bit and stops every rank when one bit differs. */
class SyncCheckTest {
    @Test void equalParametersPass() throws Exception {
        List<String> out = ThreadRanks.run(3, g -> check(g, new float[]{1, 2, 3, 4}));
        assertEquals(List.of("ok", "ok", "ok"), out);
    }

    @Test void oneDifferentBitStopsEveryRank() throws Exception {
        float odd = Math.nextUp(3f);
        List<String> out = ThreadRanks.run(3, g -> check(g, new float[]{1, 2, g.rank() == 2 ? odd : 3, 4}));
        for (String s : out) assertTrue(s.startsWith("the ranks' parameters differ after step 1"), s);
        assertTrue(out.get(2).contains("rank 2"), out.get(2));
    }

    @Test void oneProcessIsNotChecked() {
        assertEquals("ok", check(ProcessGroup.single(), new float[]{Float.NaN}));
    }

    private static String check(ProcessGroup g, float[] values) {
        CpuBackend be = new CpuBackend(1, false);
        Tensor t = be.allocate(Shape.of(values.length), DType.F32);
        be.upload(values, t);
        try {
            SyncCheck.parametersAgree(g, t, 1);
            return "ok";
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }
}
