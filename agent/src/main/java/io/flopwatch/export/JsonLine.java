package io.flopwatch.export;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A compact JSON document written straight into one {@link StringBuilder}: the log line of every
 * cycle, without a Jackson tree (which put Jackson databind, some 380 classes, on the daemon's
 * path and allocated a tree per cycle).
 *
 * <p>It writes the characters Jackson's {@code JsonNode.toString()} writes for the tree the same
 * calls would have built (the tests' JsonText walks such trees with the same number and string
 * code below; JsonTextTest compares it with Jackson, JsonLineTest this with it): strings escape {@code "} and {@code \} and the control
 * characters below 0x20 ({@code \b \t \n \f \r}, the rest as backslash, u and four upper-case hex
 * digits), nothing else; a double is {@link Double#toString(double)}, a non-finite one quoted
 * ({@code "NaN"}, Jackson's JsonWriteFeature.WRITE_NAN_AS_STRINGS default); a null string is
 * {@code null}, as {@code ObjectNode.put(name, (String) null)} writes it.
 *
 * <p>The caller nests begin/end calls correctly and never writes the same name twice in one
 * object (a tree would keep only the last value); this class does not check either.
 */
final class JsonLine {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** Field names already quoted and escaped, with their colon (see {@link #key}). */
    private static final Map<String, String> KEYS = new ConcurrentHashMap<>();
    private static final int MAX_KEYS = 1024;

    private final StringBuilder sb;
    /** Whether the next value is the first in its object or array (no comma before it). */
    private boolean first = true;

    JsonLine(int capacity) {
        sb = new StringBuilder(capacity);
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    JsonLine beginObject() {
        comma();
        sb.append('{');
        first = true;
        return this;
    }

    JsonLine beginObject(String name) {
        name(name);
        sb.append('{');
        first = true;
        return this;
    }

    JsonLine endObject() {
        sb.append('}');
        first = false;
        return this;
    }

    JsonLine beginArray(String name) {
        name(name);
        sb.append('[');
        first = true;
        return this;
    }

    JsonLine endArray() {
        sb.append(']');
        first = false;
        return this;
    }

    JsonLine field(String name, String v) {
        name(name);
        if (v == null) {
            sb.append("null");
        } else {
            string(v, sb);
        }
        return this;
    }

    JsonLine field(String name, boolean v) {
        name(name);
        sb.append(v);
        return this;
    }

    JsonLine field(String name, long v) {
        name(name);
        sb.append(v);
        return this;
    }

    /** As Jackson writes a double: a non-finite one quoted; for null instead use {@link #finiteOrNull}. */
    JsonLine field(String name, double v) {
        name(name);
        number(v, sb);
        return this;
    }

    /** The number, or {@code null} when NaN or infinite (the log line's "not measured"). */
    JsonLine finiteOrNull(String name, double v) {
        return Double.isFinite(v) ? field(name, v) : nullField(name);
    }

    JsonLine nullField(String name) {
        name(name);
        sb.append("null");
        return this;
    }

    /** An array element. */
    JsonLine value(String v) {
        comma();
        if (v == null) {
            sb.append("null");
        } else {
            string(v, sb);
        }
        return this;
    }

    private void name(String name) {
        comma();
        key(name, sb);
    }

    private void comma() {
        if (!first) {
            sb.append(',');
        }
        first = false;
    }

    /** A double as Jackson writes it: {@link Double#toString(double)}, a non-finite one quoted. */
    static void number(double d, StringBuilder sb) {
        if (Double.isFinite(d)) {
            sb.append(Double.toString(d));
        } else {
            sb.append('"').append(d).append('"');
        }
    }

    /**
     * A field name, quoted and escaped, and the colon: the log line's names are the same few dozen
     * every cycle, so each is escaped once and then copied whole. Bounded, in case a caller ever
     * used data as names.
     */
    static void key(String name, StringBuilder sb) {
        String quoted = KEYS.get(name);
        if (quoted == null) {
            StringBuilder q = new StringBuilder(name.length() + 3);
            string(name, q);
            quoted = q.append(':').toString();
            if (KEYS.size() < MAX_KEYS) {
                KEYS.put(name, quoted);
            }
        }
        sb.append(quoted);
    }

    static void string(String s, StringBuilder sb) {
        sb.append('"');
        int clean = 0;
        while (clean < s.length()) {
            char c = s.charAt(clean);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            clean++;
        }
        if (clean == s.length()) {
            sb.append(s).append('"'); // nothing to escape (the usual case): one copy of the whole string
            return;
        }
        int from = 0;
        for (int i = clean; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            sb.append(s, from, i);
            from = i + 1;
            sb.append('\\');
            switch (c) {
                case '"', '\\' -> sb.append(c);
                case '\b' -> sb.append('b');
                case '\t' -> sb.append('t');
                case '\n' -> sb.append('n');
                case '\f' -> sb.append('f');
                case '\r' -> sb.append('r');
                default -> sb.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        sb.append(s, from, s.length()).append('"');
    }
}
