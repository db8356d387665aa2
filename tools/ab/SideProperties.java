import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * System properties for one side of an in-one-JVM A/B (tools/ab-in-one-jvm.sh): {@code props} ({@code k=v k=v},
 * e.g. {@code imf.gemm.blocks=256,128,1024}) are set while {@code work} initialises that side's classes (which read
 * them once, as they initialise), then restored, so one jar on both sides compares two settings.
 */
final class SideProperties {
    private SideProperties() {}

    static <T> T with(String props, Callable<T> work) throws Exception {
        Map<String, String> saved = new LinkedHashMap<>();
        try {
            for (String kv : props.trim().split("\\s+")) {
                if (kv.isEmpty()) continue;
                int eq = kv.indexOf('=');
                if (eq < 1) throw new IllegalArgumentException("expected key=value, got '" + kv + "'");
                String key = kv.substring(0, eq);
                saved.putIfAbsent(key, System.getProperty(key));
                System.setProperty(key, kv.substring(eq + 1));
            }
            return work.call();
        } finally {
            for (Map.Entry<String, String> e : saved.entrySet())
                if (e.getValue() == null) System.clearProperty(e.getKey()); else System.setProperty(e.getKey(), e.getValue());
        }
    }
}
