package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.data.Dataset;
import imfengine.data.Split;
import imfengine.eval.DigitClassifier;
import imfengine.imf.Checkpoint;
import imfengine.imf.Sampler;
import imfengine.io.SafetensorsFile;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code eval}: how recognisable a checkpoint's samples are, read by a classifier trained with the engine. */
final class EvalCommand implements Command {
    @Override public String name() { return "eval"; }

    @Override public String summary() { return "score a checkpoint's samples with an MNIST classifier trained by the engine"; }

    @Override public String help() {
        return """
                usage: imf-engine eval --checkpoint FILE [options]

                Trains a small MLP classifier on the real training digits (a few seconds), reports its
                accuracy on the held-out real digits, then samples --per-class images of each class
                from the checkpoint's EMA weights and reports the fraction the classifier reads as the
                intended class (class accuracy of the generated digits).

                  --checkpoint FILE  a checkpoint written by train (required)
                  --per-class N      samples per class (default 100)
                  --omega X          guidance scale ω >= 1 (default {OMEGA})
                  --interval A,B     guidance interval (default {INTERVAL})
                  --steps N          sampling steps (default 1)
                  --epochs N         classifier training epochs (default 5)
                  --seed N           seed of classifier and noise (default 0)
                  --threads N        CPU worker threads (default: all cores)
                """.replace("{OMEGA}", SampleCommand.DEFAULT_OMEGA).replace("{INTERVAL}", SampleCommand.DEFAULT_INTERVAL) + Devices.help(19) + DataOptions.help(19);
    }

    @Override public int run(List<String> argv) throws Exception {
        Args a = Args.parse("eval", argv, Set.of("checkpoint", "per-class", "omega", "interval", "steps", "epochs", "seed", "threads", "data", "labels", "device", Devices.PRECISION), Set.of());
        if (!a.has("checkpoint")) throw new UsageException("eval: --checkpoint FILE is required");
        Path file = Path.of(a.string("checkpoint", ""));
        if (!Files.isRegularFile(file)) throw new UsageException("eval: checkpoint not found: " + file);
        float omega = (float) a.number("omega", Sampler.Guidance.DEFAULT.omega());
        SampleCommand.checkOmega("eval", omega);
        float[] interval = SampleCommand.parseInterval("eval", a.string("interval", SampleCommand.DEFAULT_INTERVAL));
        int perClass = a.integer("per-class", 100), steps = a.integer("steps", 1), epochs = a.integer("epochs", 5);
        if (perClass < 1 || steps < 1 || epochs < 1) throw new UsageException("eval: --per-class, --steps and --epochs must be >= 1");
        long seed = a.longValue("seed", 0);
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("eval: --threads must be >= 1, got " + threads);
        Backend be = Devices.open("eval", a, threads);
        SafetensorsFile ckpt = SampleCommand.openCheckpoint(file);
        ModelConfig mc = SampleCommand.configOf(ckpt);
        Dataset train = DataOptions.open(a, Split.TRAIN), test = DataOptions.open(a, Split.TEST);
        if (train.imageSize() != mc.imageSize() * mc.imageSize() * mc.channels())
            throw new UsageException("eval: the dataset's images do not match the checkpoint's preset " + mc.name());
        DigitClassifier clf = new DigitClassifier(be, train.imageSize(), train.numClasses(), seed);
        clf.train(train, epochs, seed);
        double realAcc = clf.accuracy(test);
        ImfDiT net = new ImfDiT(mc, be, 0, false);
        Checkpoint.load(ckpt, Checkpoint.EMA, net.parameters(), Checkpoint.values(net.parameters()));
        int k = train.numClasses();
        int[] labels = new int[k * perClass];
        for (int i = 0; i < labels.length; i++) labels[i] = i / perClass;
        float[] images = HostSampling.sample(net, labels, new Sampler.Guidance(omega, interval[0], interval[1]), steps, seed + 1);
        double genAcc = DigitClassifier.agreement(clf.predict(images, labels.length), labels);
        System.out.printf(Locale.ROOT, "classifier accuracy on held-out real digits: %.2f%% (%d digits)%n", 100 * realAcc, test.count());
        System.out.printf(Locale.ROOT, "class accuracy of generated digits:          %.2f%% (%d samples, %d step%s, omega %.2f, interval [%.2f, %.2f])%n",
                100 * genAcc, labels.length, steps, steps > 1 ? "s" : "", omega, interval[0], interval[1]);
        return 0;
    }
}
