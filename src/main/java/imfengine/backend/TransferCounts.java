package imfengine.backend;

/** Host↔device copies a backend has made so far: each upload or download is one round trip of the host. */
public record TransferCounts(long uploads, long downloads, long bytesUp, long bytesDown) {
    public TransferCounts minus(TransferCounts earlier) {
        return new TransferCounts(uploads - earlier.uploads, downloads - earlier.downloads,
                bytesUp - earlier.bytesUp, bytesDown - earlier.bytesDown);
    }

    public TransferCounts plus(TransferCounts other) {
        return new TransferCounts(uploads + other.uploads, downloads + other.downloads,
                bytesUp + other.bytesUp, bytesDown + other.bytesDown);
    }

    public long total() { return uploads + downloads; }
}
