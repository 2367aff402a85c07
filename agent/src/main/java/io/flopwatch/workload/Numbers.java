package io.flopwatch.workload;

import java.util.OptionalDouble;

/** Number parsing shared by the log parsers: digit grouping commas allowed, nothing thrown. */
final class Numbers {
    private Numbers() {
    }

    /** A number as logs print them ("1,234", "4.5e-05", "nan"); empty when it is not one or not finite. */
    static OptionalDouble parse(String s) {
        if (s == null) {
            return OptionalDouble.empty();
        }
        String t = s.replace(",", "").trim();
        if (t.isEmpty()) {
            return OptionalDouble.empty();
        }
        try {
            double d = Double.parseDouble(t);
            return Double.isFinite(d) ? OptionalDouble.of(d) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    /** Regular expression for a decimal number as logs print it, grouping commas allowed. */
    static final String NUMBER = "[-+]?(?:\\d[\\d,]*(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?";

    private static final java.util.regex.Pattern ANSI = java.util.regex.Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    /** {@link #NUMBER} compiled, for scanners that match it at a known position. */
    static final java.util.regex.Pattern NUMBER_PATTERN = java.util.regex.Pattern.compile(NUMBER);

    /** Terminal colour escapes (torchtitan colours its lines); the pattern compiled once, not per line. */
    static String stripAnsi(String line) {
        return line.indexOf('\u001B') < 0 ? line : ANSI.matcher(line).replaceAll("");
    }
}
