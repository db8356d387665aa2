import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Two builds' CPU attention kernels in one JVM, alternating round by round (which side goes first
 * alternates too), so that a shared host's drifting speed hits both alike. Arguments: JAR_A DIR_A JAR_B
 * DIR_B CASE... with DIR_x holding {@code AttentionRun} compiled against JAR_x and CASE = L,Dh,B,fwd|jvp|bwd
 * (3 heads). Property: rounds (15). B/A is the median of the rounds' own ratios.
 */
public final class AttentionAb {
    public static void main(String[] args) throws Exception {
        Method[] run = new Method[2];
        for (int i = 0; i < 2; i++) {
            URLClassLoader loader = new URLClassLoader(new URL[]{Path.of(args[2 * i]).toUri().toURL(), Path.of(args[2 * i + 1]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            run[i] = loader.loadClass("imfengine.backend.cpu.AttentionRun").getMethod("run", int.class, int.class, int.class, String.class, int.class);
        }
        int rounds = Integer.getInteger("rounds", 15);
        System.out.printf("%-16s %10s %10s %6s%n", "L,Dh,B,kernel", "A ms", "B ms", "B/A (range)");
        for (String c : List.of(args).subList(4, args.length)) {
            String[] f = c.split(",");
            int len = Integer.parseInt(f[0]), dh = Integer.parseInt(f[1]), batch = Integer.parseInt(f[2]);
            for (int w = 0; w < 2; w++) for (Method m : run) m.invoke(null, len, dh, batch, f[3], 100);   // C2 compiles both
            int reps = (int) Math.max(3, 150 / (double) run[0].invoke(null, len, dh, batch, f[3], 3));   // ~150 ms a side
            double[][] ms = new double[2][rounds];
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < 2; i++) {
                    int side = r % 2 == 0 ? i : 1 - i;
                    ms[side][r] = (double) run[side].invoke(null, len, dh, batch, f[3], reps);
                }
                ratio[r] = ms[1][r] / ms[0][r];
            }
            Arrays.sort(ratio);
            Arrays.sort(ms[0]);
            Arrays.sort(ms[1]);
            System.out.printf("%-16s %10.3f %10.3f %6.3f (%.2f-%.2f)%n", c, ms[0][rounds / 2], ms[1][rounds / 2],
                    ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
        }
        System.exit(0);
    }
}
