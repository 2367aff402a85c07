package io.flopwatch.workload;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level helpers for the preset parsers' hand scanners (docs/BENCHMARKS.md, section 4).
 *
 * <p>A scanner works on a <em>plain</em> line only: every character printable ASCII except
 * {@code ?}, or a tab, or ESC (torchtitan's colour escapes). On such a line the regular
 * expressions it replaces have a simple meaning: {@code \d} is {@code [0-9]}, {@code \s} is a
 * space or a tab, a word character ({@code \b}) is {@code [A-Za-z0-9_]}, and {@code .} and
 * {@code $} meet no line terminator. Every other line goes to the parser's regular expression,
 * which stays the reference. {@code ?} is excluded because {@link String#getBytes} writes it in
 * place of characters beyond Latin-1; bytes of 0x80 and above come out negative and are excluded
 * too, so a line that passes is exactly its bytes.
 */
final class Scan {
    private Scan() {
    }

    private static final boolean[] PLAIN = new boolean[256];
    /** {@code [A-Za-z0-9_]}; tables rather than comparisons, so that C1 (the launcher's JIT) inlines the tests. */
    private static final boolean[] WORD = new boolean[256];
    /** {@link KeyValues}' key bytes: word bytes and {@code ./-}. */
    private static final boolean[] KEY = new boolean[256];
    /** Bytes that can be part of a {@link Numbers#NUMBER}: {@code [-+0-9,.eE]}. */
    private static final boolean[] NUMBER = new boolean[256];

    static {
        for (int c = 0x20; c < 0x7F; c++) {
            PLAIN[c] = c != '?';
            WORD[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
            KEY[c] = WORD[c] || c == '.' || c == '/' || c == '-';
            NUMBER[c] = c >= '0' && c <= '9' || c == ',' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
        }
        PLAIN['\t'] = true;
        PLAIN[0x1B] = true;
    }

    /** The line's bytes when it is plain (see the class comment), else null. */
    static byte[] plainBytes(String line) {
        byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
        for (byte c : b) {
            if (!PLAIN[c & 0xFF]) {
                return null;
            }
        }
        return b;
    }

    /** Bytes as a constant to look for. */
    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** First occurrence of {@code lit} in {@code b[from, n)}, or -1. */
    static int indexOf(byte[] b, int n, byte[] lit, int from) {
        byte first = lit[0];
        int last = n - lit.length;
        for (int i = Math.max(from, 0); i <= last; i++) {
            if (b[i] == first && startsWith(b, n, i, lit)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code lit} starts at {@code at} in {@code b[0, n)}. */
    static boolean startsWith(byte[] b, int n, int at, byte[] lit) {
        if (at < 0 || at + lit.length > n) {
            return false;
        }
        for (int k = 0; k < lit.length; k++) {
            if (b[at + k] != lit[k]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code b[from, to)} is exactly {@code lit}. */
    static boolean equals(byte[] b, int from, int to, byte[] lit) {
        return to - from == lit.length && startsWith(b, to, from, lit);
    }

    static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** {@code \w} of java.util.regex on a plain line (its {@code \b} is between a word and a non-word byte). */
    static boolean isWord(byte c) {
        return WORD[c & 0xFF];
    }

    /** A byte of a {@link KeyValues} key: {@code [\w./-]}. */
    static boolean isKey(byte c) {
        return KEY[c & 0xFF];
    }

    /** {@code \s} on a plain line (and {@link Character#isWhitespace} there too). */
    static boolean isSpace(byte c) {
        return c == ' ' || c == '\t';
    }

    /** Past the spaces and tabs from {@code i}. */
    static int skipSpaces(byte[] b, int n, int i) {
        while (i < n && isSpace(b[i])) {
            i++;
        }
        return i;
    }

    /** Past the digits from {@code i} (the end of a greedy {@code \d*}). */
    static int digitsEnd(byte[] b, int n, int i) {
        while (i < n && isDigit(b[i])) {
            i++;
        }
        return i;
    }

    /** Whether the byte can be part of a {@link Numbers#NUMBER}: {@code [-+0-9,.eE]}. */
    private static boolean isNumberByte(byte c) {
        return NUMBER[c & 0xFF];
    }

    /**
     * The end of the run of bytes that can be part of a {@link Numbers#NUMBER} from {@code at}. A
     * number followed in the expression by a literal that starts with a byte outside that set
     * ({@code ms}, {@code %}) can only end where the run ends, so the expression matches there
     * iff {@link #isNumber} holds for the run.
     */
    static int numberRunEnd(byte[] b, int n, int at) {
        int i = at;
        while (i < n && isNumberByte(b[i])) {
            i++;
        }
        return i;
    }

    /**
     * Whether {@code b[from, to)} as a whole matches {@link Numbers#NUMBER},
     * {@code [-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?}.
     */
    static boolean isNumber(byte[] b, int from, int to) {
        // the greedy match from the start reaches the end exactly when the whole span matches:
        // an incomplete exponent or any other byte stops it short
        return numberEnd(b, to, from) == to;
    }

    /**
     * The end of the match of {@link Numbers#NUMBER} at {@code at} when nothing after it constrains
     * it ({@code lookingAt}, or the expression's last part): java.util.regex takes the first
     * alternative that succeeds, which for this expression is the greedy one (sign if any, all
     * digits and commas, the fraction, the exponent when it is complete). -1 when none.
     */
    static int numberEnd(byte[] b, int n, int at) {
        int i = at;
        if (i < n && (b[i] == '-' || b[i] == '+')) {
            i++;
        }
        if (i < n && isDigit(b[i])) {
            i++;
            while (i < n && (isDigit(b[i]) || b[i] == ',')) {
                i++;
            }
            if (i < n && b[i] == '.') {
                i = digitsEnd(b, n, i + 1);
            }
        } else if (i + 1 < n && b[i] == '.' && isDigit(b[i + 1])) {
            i = digitsEnd(b, n, i + 2);
        } else {
            return -1;
        }
        if (i < n && (b[i] == 'e' || b[i] == 'E')) {
            int j = i + 1;
            if (j < n && (b[j] == '-' || b[j] == '+')) {
                j++;
            }
            if (j < n && isDigit(b[j])) {
                i = digitsEnd(b, n, j);
            }
        }
        return i;
    }

    /**
     * A run of digits as {@link Long#parseLong} reads it, or -1 when it has more than 18 digits
     * (then the caller hands the line to the regular expression, which keeps
     * {@code Long.parseLong}'s own behaviour at the edge of the range).
     */
    static long digits(byte[] b, int from, int to) {
        if (to - from > 18 || to <= from) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            v = v * 10 + (b[i] - '0');
        }
        return v;
    }

    /** Removes torchtitan's colour escapes ({@code ESC [ [0-9;]* letter}) in place, as {@link Numbers#stripAnsi}; the new length. */
    static int stripAnsi(byte[] b, int n) {
        int out = 0;
        int i = 0;
        while (i < n) {
            if (b[i] == 0x1B && i + 1 < n && b[i + 1] == '[') {
                int j = i + 2;
                while (j < n && (isDigit(b[j]) || b[j] == ';')) {
                    j++;
                }
                if (j < n && (b[j] >= 'A' && b[j] <= 'Z' || b[j] >= 'a' && b[j] <= 'z')) {
                    i = j + 1;
                    continue;
                }
            }
            b[out++] = b[i++];
        }
        return out;
    }

    /** Index of the first occurrence of {@code c} in {@code b[from, to)}, or -1. */
    static int indexOf(byte[] b, byte c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** {@link String#trim()}'s start: past bytes up to and including space. */
    static int trimStart(byte[] b, int from, int to) {
        while (from < to && (b[from] & 0xFF) <= ' ') {
            from++;
        }
        return from;
    }

    /** {@link String#trim()}'s end. */
    static int trimEnd(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] & 0xFF) <= ' ') {
            to--;
        }
        return to;
    }
}
