package imfengine.cli;

import imfengine.distributed.Launch;
import imfengine.imf.MemoryPlan;
import imfengine.nn.ModelConfig;

/**
 * {@code --replicas N} of {@code train} and {@code bench}: on the CPU, the training step runs as N data-parallel
 * replicas in this process ({@link imfengine.distributed.ThreadRanks}), each a copy of the model on its shard of the
 * batch with its share of the threads, their gradients summed before the same update. With one thread each, no
 * kernel waits for another core between calls; on two cores of a Zen 5 guest the xs step ran 0.81–0.92× the time of
 * one copy whose kernels used both (docs/PERF.md).
 */
final class ReplicaOptions {
    static final String REPLICAS = "replicas";
    /** The default gives every replica at least this many examples of the batch. */
    static final int MIN_EXAMPLES_PER_REPLICA = 16;

    private ReplicaOptions() {}

    /** The help lines, descriptions starting at column {@code 2 + width}. */
    static String help(int width) {
        return HelpText.option(width, "--replicas N", "--device cpu: run the step as N copies of the model, each on its",
                "share of the batch (every N-th example) and of the threads, their",
                "gradients summed: the same step up to summation order (default:",
                "one per thread for xs and s, at most one per " + MIN_EXAMPLES_PER_REPLICA + " examples; 1 for",
                "B/2 and larger, whose copies would be large)");
    }

    /**
     * The replicas of a step on {@code device} with {@code threads} threads: {@code --replicas}, else the default. Only
     * the CPU has replicas, and not under {@code mpirun} (there the ranks are processes).
     */
    static int parse(String command, Args a, String device, ModelConfig model, int batch, int threads) {
        boolean possible = device.equals("cpu") && !Launch.underMpirun(System.getenv());
        if (!a.has(REPLICAS)) return possible ? defaultFor(model, batch, threads) : 1;
        int n = a.integer(REPLICAS, 1);
        if (n < 1) throw new UsageException(command + ": --replicas must be >= 1, got " + n);
        if (n == 1) return 1;
        if (!device.equals("cpu")) throw new UsageException(command + ": --replicas " + n + " needs --device cpu (a GPU runs one copy per process)");
        if (!possible) throw new UsageException(command + ": --replicas " + n + " under mpirun: the ranks are the replicas there; leave it out");
        if (n > threads) throw new UsageException(command + ": --replicas " + n + " needs at least as many threads (--threads " + threads + ")");
        if (n > batch) throw new UsageException(command + ": --replicas " + n + " needs at least one example each (--batch " + batch + ")");
        return n;
    }

    /** One replica per thread for models narrower than those that recompute (a copy each of weights, AdamW and EMA), each with enough examples. */
    static int defaultFor(ModelConfig model, int batch, int threads) {
        if (model.hidden() >= MemoryPlan.RECOMPUTE_FROM_WIDTH) return 1;
        return Math.max(1, Math.min(threads, batch / MIN_EXAMPLES_PER_REPLICA));
    }

    /** The threads of replica {@code r} of {@code replicas}: {@code threads} shared out, the first ones taking what is left over. */
    static int threadsOf(int r, int replicas, int threads) {
        return threads / replicas + (r < threads % replicas ? 1 : 0);
    }
}
