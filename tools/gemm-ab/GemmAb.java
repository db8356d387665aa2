import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two builds' GEMMs in one JVM, alternating shape by shape and round by round (which side goes first
 * alternates too), so that a shared host's drifting speed hits both alike. Arguments: JAR_A DIR_A JAR_B
 * DIR_B SHAPE... with DIR_x holding {@code GemmRun} compiled against JAR_x and SHAPE = m,n,k,N|T,N|T.
 * Properties: rounds (5; the first is warm-up), copies (12), beta (0), threads (2), and a.props / b.props
 * (system properties each side's GEMM classes initialise with, e.g. {@code imf.gemm.blocks=256,128,1024}).
 * B/A is the median of the rounds' own ratios (each pair ran back to back), steadier than the ratio of
 * the medians.
 */
public final class GemmAb {
    public static void main(String[] args) throws Exception {
        Method[] run = new Method[2];
        for (int i = 0; i < 2; i++) {
            URLClassLoader loader = new URLClassLoader(new URL[]{Path.of(args[2 * i]).toUri().toURL(), Path.of(args[2 * i + 1]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            run[i] = loader.loadClass("imfengine.backend.cpu.GemmRun").getMethod("run", int.class, int.class, int.class,
                    boolean.class, boolean.class, float.class, int.class, int.class);
            initialiseWith(loader, i == 0 ? "A" : "B", System.getProperty(i == 0 ? "a.props" : "b.props", ""));
        }
        int rounds = Integer.getInteger("rounds", 5), copies = Integer.getInteger("copies", 12);
        float beta = Float.parseFloat(System.getProperty("beta", "0"));
        List<String> shapes = List.of(args).subList(4, args.length);
        List<Map<String, List<Double>>> results = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
        for (int round = 0; round < rounds; round++)
            for (String shape : shapes) {
                String[] f = shape.split(",");
                int m = Integer.parseInt(f[0]), n = Integer.parseInt(f[1]), k = Integer.parseInt(f[2]);
                int reps = (int) Math.max(3, 2e9 / (2.0 * m * n * k));
                for (int i = 0; i < 2; i++) {
                    int side = round % 2 == 0 ? i : 1 - i;
                    double gflops = (double) run[side].invoke(null, m, n, k, f[3].equals("T"), f[4].equals("T"), beta, reps, copies);
                    if (round > 0) results.get(side).computeIfAbsent(shape, s -> new ArrayList<>()).add(gflops);
                }
            }
        System.out.printf("%-20s %20s %20s %6s%n", "m,n,k,opA,opB", "A GFLOP/s med (range)", "B GFLOP/s med (range)", "B/A");
        for (String shape : shapes) {
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < results.get(0).get(shape).size(); r++)
                ratios.add(results.get(1).get(shape).get(r) / results.get(0).get(shape).get(r));
            Collections.sort(ratios);
            double[] median = new double[2];
            String[] text = new String[2];
            for (int i = 0; i < 2; i++) {
                List<Double> v = new ArrayList<>(results.get(i).get(shape));
                Collections.sort(v);
                median[i] = v.get(v.size() / 2);
                text[i] = String.format("%.1f (%.0f-%.0f)", median[i], v.get(0), v.get(v.size() - 1));
            }
            System.out.printf("%-20s %20s %20s %6.2f%n", shape, text[0], text[1], ratios.get(ratios.size() / 2));
        }
        System.exit(0);
    }

    /**
     * Initialises this side's GEMM classes with the given system properties set ({@code k=v k=v}, e.g.
     * {@code imf.gemm.blocks=256,128,1024}; they are read once, when the classes initialise), then
     * restores them: one jar on both sides compares two settings. Prints the side's settings.
     */
    private static void initialiseWith(ClassLoader loader, String side, String props) throws Exception {
        SideProperties.with(props, () -> Class.forName("imfengine.backend.cpu.GemmPacked", true, loader));
        System.out.println(side + ": " + (props.isBlank() ? "defaults" : props.trim()));
    }
}
