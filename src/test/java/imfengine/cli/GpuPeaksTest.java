package imfengine.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MFU denominators: the CUDA device names of the cards we may get, matched to their dense peaks. */
class GpuPeaksTest {
    @Test void namesAsTheDriverReportsThemFindTheirCard() {
        assertEquals(67, GpuPeaks.tflops("NVIDIA H100 80GB HBM3", "fp32").getAsDouble()); // SXM
        assertEquals(494.5, GpuPeaks.tflops("NVIDIA H100 80GB HBM3", "tf32").getAsDouble());
        assertEquals(989, GpuPeaks.tflops("NVIDIA H100 80GB HBM3", "bf16").getAsDouble());
        assertEquals(51, GpuPeaks.tflops("NVIDIA H100 PCIe", "fp32").getAsDouble());
        assertEquals(60, GpuPeaks.tflops("NVIDIA H100 NVL", "fp32").getAsDouble());
        assertEquals(989, GpuPeaks.tflops("NVIDIA H200", "bf16").getAsDouble(), "the H200 has the H100 SXM's compute");
        assertEquals(835, GpuPeaks.tflops("NVIDIA H200 NVL", "bf16").getAsDouble());
        assertEquals(156, GpuPeaks.tflops("NVIDIA A100-SXM4-80GB", "tf32").getAsDouble());
    }

    @Test void unknownCardsHaveNoPeakAndUnknownPrecisionsAreRefused() {
        assertTrue(GpuPeaks.tflops("NVIDIA GeForce RTX 4090", "fp32").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> GpuPeaks.tflops("NVIDIA H100 80GB HBM3", "fp8"));
    }
}
