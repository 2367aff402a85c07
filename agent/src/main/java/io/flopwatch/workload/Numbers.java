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
        if (s.length() <= 40) {
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            double v = simpleDecimal(b, 0, b.length);
            if (v == v) {
                return OptionalDouble.of(v);
            }
        }
        return parseDouble(s);
    }

    /**
     * {@link #parse(String)} of the characters {@code b[from, to)} (Latin-1 bytes, as {@link Scan}
     * gives them); NaN where that would be empty.
     */
    static double parse(byte[] b, int from, int to) {
        double v = simpleDecimal(b, from, to);
        if (v == v) {
            return v;
        }
        OptionalDouble d = parseDouble(new String(b, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1));
        return d.isPresent() ? d.getAsDouble() : Double.NaN;
    }

    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    };

    /**
     * The fast path of {@link #parse}: a plain decimal ({@code [-+]?} digits, at most one
     * {@code .}, an optional {@code [eE][-+]?digits}; commas anywhere ignored, as {@code parse}
     * drops them) whose digits fit in 2^53 and whose power of ten is within 10^±22. Both are then
     * exact doubles and one IEEE multiplication or division rounds the exact value correctly,
     * which is what {@link Double#parseDouble} returns (the same "easy case" as the JDK's own
     * FloatingDecimal). NaN for anything else; the caller then takes the general path.
     */
    static double simpleDecimal(byte[] b, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to && (b[i] == '-' || b[i] == '+')) {
            negative = b[i] == '-';
            i++;
        }
        long mantissa = 0;
        int digits = 0;
        int fractionDigits = 0;
        boolean dot = false;
        for (; i < to; i++) {
            byte c = b[i];
            if (c >= '0' && c <= '9') {
                if (mantissa >= 100_000_000_000_000_000L) {
                    return Double.NaN; // more digits than a long holds: general path
                }
                mantissa = mantissa * 10 + (c - '0');
                digits++;
                if (dot) {
                    fractionDigits++;
                }
            } else if (c == '.' && !dot) {
                dot = true;
            } else if (c != ',') {
                break;
            }
        }
        if (digits == 0) {
            return Double.NaN;
        }
        int exponent = 0;
        if (i < to) {
            if (b[i] != 'e' && b[i] != 'E') {
                return Double.NaN;
            }
            i++;
            while (i < to && b[i] == ',') {
                i++;
            }
            boolean negativeExponent = false;
            if (i < to && (b[i] == '-' || b[i] == '+')) {
                negativeExponent = b[i] == '-';
                i++;
            }
            int expDigits = 0;
            for (; i < to; i++) {
                byte c = b[i];
                if (c >= '0' && c <= '9') {
                    if (exponent > 1000) {
                        return Double.NaN;
                    }
                    exponent = exponent * 10 + (c - '0');
                    expDigits++;
                } else if (c != ',') {
                    return Double.NaN;
                }
            }
            if (expDigits == 0) {
                return Double.NaN;
            }
            if (negativeExponent) {
                exponent = -exponent;
            }
        }
        int power = exponent - fractionDigits;
        if (mantissa > (1L << 53) || power < -22 || power > 22) {
            return Double.NaN;
        }
        double v = power >= 0 ? mantissa * POWERS_OF_TEN[power] : mantissa / POWERS_OF_TEN[-power];
        return negative ? -v : v;
    }

    private static OptionalDouble parseDouble(String s) {
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
