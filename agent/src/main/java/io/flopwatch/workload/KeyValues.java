package io.flopwatch.workload;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Numeric key/value pairs as training loops print their metric dicts: Python {@code str(dict)}
 * ({@code 'loss': 2.31}), JSON ({@code "loss": 2.31}) and progress-bar postfixes
 * ({@code loss=2.31}). Keys may contain {@code /} and {@code .} (Lightning's {@code device/mfu}).
 */
final class KeyValues {

    private KeyValues() {
    }

    /**
     * Every {@code 'key': number}, {@code "key": number} or {@code key=number} of the line (a key
     * is {@code [\w./-]+}; an unquoted key must not continue a longer word; the number must not
     * run on into a word). A hand-written scan rather than one regex with a lookbehind tried at
     * every position: the same pairs, several times faster on long metric dicts (docs/BENCHMARKS.md, 4).
     */
    static Map<String, Double> parse(String line) {
        Map<String, Double> out = new HashMap<>();
        Matcher number = Numbers.NUMBER_PATTERN.matcher(line);
        int n = line.length();
        int i = 0;
        while (i < n) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < n && isKeyChar(line.charAt(j))) {
                    j++;
                }
                if (j > i + 1 && j < n && (line.charAt(j) == '\'' || line.charAt(j) == '"')) {
                    int k = skipSpaces(line, j + 1);
                    if (k < n && line.charAt(k) == ':') {
                        int end = number(line, number, skipSpaces(line, k + 1), line.substring(i + 1, j), out);
                        if (end > 0) {
                            i = end;
                            continue;
                        }
                    }
                }
                i++;
            } else if (isKeyChar(c) && (i == 0 || !isKeyChar(line.charAt(i - 1)))) {
                int j = i;
                while (j < n && isKeyChar(line.charAt(j))) {
                    j++;
                }
                if (j < n && line.charAt(j) == '=') {
                    int end = number(line, number, skipSpaces(line, j + 1), line.substring(i, j), out);
                    if (end > 0) {
                        i = end;
                        continue;
                    }
                }
                i = j;
            } else {
                i++;
            }
        }
        return out;
    }

    /**
     * {@link #parse} on a plain line's bytes ({@link Scan}) for the given keys only: {@code out[k]}
     * becomes the value {@code parse} would map {@code keys[k]} to, or NaN where it would have none.
     * The same walk as {@code parse} (every pair is stepped over the same way, so the pairs found
     * are the same); only the numbers of the keys asked for are read. {@code ScannerEquivalenceTest}
     * holds the two to each other.
     */
    static void scan(byte[] b, int n, byte[][] keys, double[] out) {
        java.util.Arrays.fill(out, Double.NaN);
        int i = 0;
        while (i < n) {
            byte c = b[i];
            if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < n && Scan.isKey(b[j])) {
                    j++;
                }
                if (j > i + 1 && j < n && (b[j] == '\'' || b[j] == '"')) {
                    int k = Scan.skipSpaces(b, n, j + 1);
                    if (k < n && b[k] == ':') {
                        int end = number(b, n, Scan.skipSpaces(b, n, k + 1), key(b, i + 1, j, keys), out);
                        if (end > 0) {
                            i = end;
                            continue;
                        }
                    }
                }
                i++;
            } else if (Scan.isKey(c) && (i == 0 || !Scan.isKey(b[i - 1]))) {
                int j = i;
                while (j < n && Scan.isKey(b[j])) {
                    j++;
                }
                if (j < n && b[j] == '=') {
                    int end = number(b, n, Scan.skipSpaces(b, n, j + 1), key(b, i, j, keys), out);
                    if (end > 0) {
                        i = end;
                        continue;
                    }
                }
                i = j;
            } else {
                i++;
            }
        }
    }

    /** Which of {@code keys} is {@code b[from, to)}, or -1. */
    private static int key(byte[] b, int from, int to, byte[][] keys) {
        for (int k = 0; k < keys.length; k++) {
            if (Scan.equals(b, from, to, keys[k])) {
                return k;
            }
        }
        return -1;
    }

    /** {@link #number(String, Matcher, int, String, Map)} on bytes, reading the value only for a key asked for. */
    private static int number(byte[] b, int n, int at, int key, double[] out) {
        if (at >= n) {
            return -1;
        }
        int end = Scan.numberEnd(b, n, at);
        if (end < 0) {
            return -1;
        }
        if (end < n && (Scan.isWord(b[end]) || b[end] == '.')) {
            return -1; // runs on into a word: not a number
        }
        if (key >= 0) {
            double v = Numbers.parse(b, at, end);
            if (!Double.isNaN(v)) {
                out[key] = v;
            }
        }
        return end;
    }


    /** Reads a number at {@code at} into {@code out} under {@code key}; its end, or -1 when there is none. */
    private static int number(String line, Matcher number, int at, String key, Map<String, Double> out) {
        if (at >= line.length()) {
            return -1;
        }
        number.region(at, line.length());
        if (!number.lookingAt()) {
            return -1;
        }
        int end = number.end();
        if (end < line.length() && (isWordChar(line.charAt(end)) || line.charAt(end) == '.')) {
            return -1; // runs on into a word: not a number
        }
        Numbers.parse(number.group()).ifPresent(v -> out.put(key, v));
        return end;
    }

    private static int skipSpaces(String line, int i) {
        while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isWordChar(char c) {
        return c == '_' || c < 128 && Character.isLetterOrDigit(c);
    }

    private static boolean isKeyChar(char c) {
        return isWordChar(c) || c == '.' || c == '/' || c == '-';
    }
}
