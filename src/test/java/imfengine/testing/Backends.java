package imfengine.testing;

import imfengine.backend.cpu.CpuBackend;

/** The CPU backends tests compare: the scalar reference path and the Vector API path. */
public final class Backends {
    private Backends() {}

    public static final CpuBackend SCALAR = new CpuBackend(2, false);
    public static final CpuBackend SIMD = new CpuBackend(2, true);
    public static final CpuBackend[] BOTH = {SCALAR, SIMD};
}
