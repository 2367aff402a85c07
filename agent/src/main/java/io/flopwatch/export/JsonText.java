package io.flopwatch.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compact JSON text of a Jackson tree, the same characters {@link JsonNode#toString()} writes,
 * written into one {@link StringBuilder}.
 *
 * <p>Why: the log line of every cycle is built as a Jackson tree (the builders share helpers
 * with the snapshot JSON), and serializing it through {@code toString()} set up a generator and
 * a serializer provider and dispatched per node: about a third of the sampling thread's CPU at
 * 1 Hz (docs/BENCHMARKS.md section 2). The tree holds only objects, arrays, strings, integers,
 * doubles, booleans and nulls; any other node is written by Jackson itself.
 *
 * <p>What Jackson writes, reproduced here (JsonTextTest compares the two): strings escape
 * {@code "} and {@code \} and the control characters below 0x20 ({@code \b \t \n \f \r}, the rest
 * as backslash, u and four upper-case hex digits), nothing else; a double is {@link Double#toString(double)},
 * a non-finite one quoted ({@code "NaN"}, JsonWriteFeature.WRITE_NAN_AS_STRINGS by default).
 */
final class JsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** Field names already quoted and escaped, with their colon (see {@link #key}). */
    private static final Map<String, String> KEYS = new ConcurrentHashMap<>();
    private static final int MAX_KEYS = 1024;

    private JsonText() {
    }

    static String of(JsonNode node) {
        StringBuilder sb = new StringBuilder(16384); // an 8-GPU log line is about 11 KB: no regrowth
        write(node, sb);
        return sb.toString();
    }

    static void write(JsonNode node, StringBuilder sb) {
        JsonNodeType type = node.getNodeType();
        switch (type) {
            case OBJECT -> {
                sb.append('{');
                boolean first = true;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    key(e.getKey(), sb);
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(node.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> string(node.textValue(), sb);
            case BOOLEAN -> sb.append(node.booleanValue());
            case NULL -> sb.append("null");
            case NUMBER -> number(node, sb);
            default -> sb.append(node); // binary, POJO, missing: never in our trees; Jackson writes them
        }
    }

    private static void number(JsonNode node, StringBuilder sb) {
        if (node.isInt() || node.isLong() || node.isShort()) {
            sb.append(node.longValue());
        } else if (node.isDouble()) {
            double d = node.doubleValue();
            if (Double.isFinite(d)) {
                sb.append(Double.toString(d));
            } else {
                sb.append('"').append(d).append('"');
            }
        } else {
            sb.append(node); // float, BigInteger, BigDecimal: not in our trees
        }
    }

    /**
     * A field name, quoted and escaped, and the colon: the log line's names are the same few dozen
     * every cycle, so each is escaped once and then copied whole. Bounded, in case a caller ever
     * used data as names.
     */
    private static void key(String name, StringBuilder sb) {
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
