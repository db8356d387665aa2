package imfengine.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * Raw addresses of JCuda device pointers without reflection: {@code CUdeviceptr}'s copy constructor
 * is protected, so a subclass can copy any pointer and read its native pointer plus byte offset.
 */
final class DevPtr extends CUdeviceptr {
    private DevPtr(CUdeviceptr o) { super(o); }

    private long address() { return getNativePointer() + getByteOffset(); }

    static long addressOf(CUdeviceptr p) { return new DevPtr(p).address(); }
}
