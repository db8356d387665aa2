package imfengine.cli;

import java.util.Arrays;

/**
 * {@code sample --classes}: which class ids to draw, in the order given. {@code all} is every class of the model
 * (the paper's FID-50K draws 50 of each of ImageNet's 1000); a list mixes ids and inclusive ranges, {@code 0-9,17,100-199};
 * empty (no option) is the first ten classes, a grid one can look at.
 */
final class ClassSelection {
    /** Classes drawn when --classes is not given (at most). */
    static final int DEFAULT_COUNT = 10;

    private ClassSelection() {}

    /** The class ids {@code spec} names for a model of {@code classes} classes; a bad spec is a one-line usage error. */
    static int[] parse(String spec, int classes) {
        String s = spec.strip();
        if (s.isEmpty()) return range(0, Math.min(classes, DEFAULT_COUNT) - 1);
        if (s.equals("all")) return range(0, classes - 1);
        int[] out = new int[0];
        for (String part : s.split(",", -1)) {
            String p = part.strip();
            int dash = p.indexOf('-', 1); // a leading '-' is a sign, reported below as out of range
            int lo = id(spec, dash < 0 ? p : p.substring(0, dash), classes);
            int hi = dash < 0 ? lo : id(spec, p.substring(dash + 1), classes);
            if (hi < lo) throw new UsageException("sample: --classes: range " + p + " runs backwards");
            int at = out.length;
            out = Arrays.copyOf(out, at + hi - lo + 1);
            for (int c = lo; c <= hi; c++) out[at + c - lo] = c;
        }
        return out;
    }

    private static int id(String spec, String text, int classes) {
        int c;
        try {
            c = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("sample: --classes takes 'all' or class ids and ranges like 0-9,17, got '" + spec + "'");
        }
        if (c < 0 || c >= classes) throw new UsageException("sample: --classes: class " + c + " outside 0.." + (classes - 1));
        return c;
    }

    private static int[] range(int lo, int hi) {
        int[] out = new int[hi - lo + 1];
        for (int i = 0; i < out.length; i++) out[i] = lo + i;
        return out;
    }
}
