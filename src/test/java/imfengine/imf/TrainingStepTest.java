package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.TransferCounts;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.ImfDiT;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A training step stays on the device: the batch and its labels go up, nothing comes back. */
class TrainingStepTest {
    @Test void besidesItsBatchAStepMakesNoTransfers() {
        CpuBackend be = new CpuBackend(2, true);
        ImfDiT net = new ImfDiT(TinyModels.TINY, be, 3, true);
        TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f),
                new Ema(net.store(), 0.99), 1);
        float[] images = TinyModels.images(8, 2);
        int[] labels = {0, 1, 2, 0, 1, 2, 0, 1};
        for (long s = 1; s <= 3; s++) {
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                Tensor x = Host.upload(cx, images, net.imageShape(8)), y = Host.upload(cx, labels);
                TransferCounts before = be.transfers();
                TrainingStep.Losses r = step.run(cx, x, y, s, 1e-3);
                TransferCounts during = be.transfers().minus(before);
                assertEquals(0, during.uploads(), "uploads inside the step");
                assertEquals(0, during.downloads(), "downloads inside the step");
                assertTrue(Float.isFinite(Host.floats(r.loss())[0]));
            }
        }
    }
}
