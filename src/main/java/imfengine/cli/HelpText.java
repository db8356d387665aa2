package imfengine.cli;

/** The option blocks of the commands' {@code --help}: the flag in a column of its own, the description beside it. */
final class HelpText {
    private HelpText() {}

    /**
     * {@code flag} padded to {@code width} after two spaces, then the description's first line; each further line
     * indented to the description's column ({@code 2 + width}). Every line ends in a newline.
     */
    static String option(int width, String flag, String... lines) {
        StringBuilder b = new StringBuilder(String.format("  %-" + width + "s%s%n", flag, lines[0]));
        String indent = " ".repeat(2 + width);
        for (int i = 1; i < lines.length; i++) b.append(indent).append(lines[i]).append('\n');
        return b.toString();
    }
}
