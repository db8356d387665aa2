package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.backend.TransferCounts;

import java.util.List;

/** The backends one {@code bench} row ran on (one, or each replica's of a replicated step), read as one. */
record BackendMeter(List<Backend> backends) {
    BackendMeter {
        if (backends.isEmpty()) throw new IllegalArgumentException("a bench row runs on at least one backend");
        backends = List.copyOf(backends);
    }

    static BackendMeter of(Backend be) { return new BackendMeter(List.of(be)); }

    /** The backend device-specific figures are read from (the CUDA backend's allocator): the first. */
    Backend first() { return backends.get(0); }

    long matrixFlops() { return backends.stream().mapToLong(Backend::matrixFlops).sum(); }

    long peakTensorBytes() { return backends.stream().mapToLong(Backend::peakTensorBytes).sum(); }

    TransferCounts transfers() { return backends.stream().map(Backend::transfers).reduce(TransferCounts::plus).orElseThrow(); }

    void synchronize() { backends.forEach(Backend::synchronize); }
}
