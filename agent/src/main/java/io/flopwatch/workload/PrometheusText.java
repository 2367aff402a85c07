package io.flopwatch.workload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A reader of the Prometheus text exposition format (version 0.0.4, as documented at
 * prometheus.io "Exposition formats"), just enough for counters and gauges: {@code # HELP} and
 * {@code # TYPE} lines and other comments are skipped; a sample line is
 * {@code name{label="value",...} value [timestamp]} where the name matches
 * {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, label values escape {@code \\}, {@code \"} and {@code \n},
 * and the value is a Go float ({@code NaN}, {@code +Inf}, {@code -Inf} included). Histogram and
 * summary series come out as their plain samples ({@code _sum}, {@code _count}, {@code _bucket}).
 * OpenMetrics' {@code # EOF} is a comment here. Malformed lines are skipped and counted.
 */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** One sample; labels sorted by name. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public Sample {
            labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        }
    }

    /** The samples read and the number of lines that could not be read. */
    public record Parsed(List<Sample> samples, int malformedLines) {
    }

    public static Parsed parse(String text) {
        List<Sample> samples = new ArrayList<>();
        int malformed = 0;
        for (String raw : text.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            Sample s = parseLine(t);
            if (s == null) {
                malformed++;
            } else {
                samples.add(s);
            }
        }
        return new Parsed(samples, malformed);
    }

    private static Sample parseLine(String line) {
        int i = 0;
        int n = line.length();
        if (i >= n || !isNameStart(line.charAt(i))) {
            return null;
        }
        while (i < n && isNameChar(line.charAt(i))) {
            i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new TreeMap<>();
        if (i < n && line.charAt(i) == '{') {
            i++;
            while (true) {
                i = skipSpaces(line, i);
                if (i < n && line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int start = i;
                if (i >= n || !isLabelStart(line.charAt(i))) {
                    return null;
                }
                while (i < n && isLabelChar(line.charAt(i))) {
                    i++;
                }
                String label = line.substring(start, i);
                i = skipSpaces(line, i);
                if (i >= n || line.charAt(i) != '=') {
                    return null;
                }
                i = skipSpaces(line, i + 1);
                if (i >= n || line.charAt(i) != '"') {
                    return null;
                }
                i++;
                StringBuilder value = new StringBuilder();
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        if (i >= n) {
                            return null;
                        }
                        char e = line.charAt(i++);
                        switch (e) {
                            case 'n' -> value.append('\n');
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            default -> value.append('\\').append(e); // the format leaves others as written
                        }
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    return null;
                }
                labels.put(label, value.toString());
                i = skipSpaces(line, i);
                if (i < n && line.charAt(i) == ',') {
                    i++;
                } else if (i < n && line.charAt(i) == '}') {
                    i++;
                    break;
                } else {
                    return null;
                }
            }
        }
        if (i >= n || (line.charAt(i) != ' ' && line.charAt(i) != '\t')) {
            return null;
        }
        String[] rest = line.substring(i).strip().split("[ \t]+");
        if (rest.length < 1 || rest.length > 2) {
            return null;
        }
        Double v = parseValue(rest[0]);
        if (v == null) {
            return null;
        }
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]); // timestamp in ms; not needed, but must be one
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return new Sample(name, labels, v);
    }

    private static Double parseValue(String s) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        // Java would also accept "Infinity", hex floats and a trailing 'd'/'f'; the format does not.
        if (!s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")) {
            return null;
        }
        return Double.parseDouble(s);
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    private static boolean isNameChar(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isLabelStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isLabelChar(char c) {
        return isLabelStart(c) || (c >= '0' && c <= '9');
    }
}
