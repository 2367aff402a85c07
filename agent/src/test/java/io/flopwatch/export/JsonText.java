package io.flopwatch.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.Iterator;
import java.util.Map;

/**
 * Compact JSON text of a Jackson tree, the same characters {@link JsonNode#toString()} writes,
 * written into one {@link StringBuilder}. A test reference since session 4: the log line, its
 * only user in the agent, is written by {@link JsonLine} without a tree; JsonLineTest checks that
 * JsonLine writes what this writes for the old tree, JsonTextTest that this writes what Jackson
 * writes.
 *
 * <p>Why: serializing a tree through {@code toString()} sets up a generator and a serializer
 * provider and dispatches per node. The tree holds only objects, arrays, strings, integers,
 * doubles, booleans and nulls; any other node is written by Jackson itself. The log line itself
 * is no longer a tree: {@link JsonLine} writes it, with the same number and string code used here
 * (JsonTextTest compares this with Jackson; JsonLineTest compares JsonLine with this).
 */
final class JsonText {
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
            JsonLine.number(node.doubleValue(), sb);
        } else {
            sb.append(node); // float, BigInteger, BigDecimal: not in our trees
        }
    }

    private static void key(String name, StringBuilder sb) {
        JsonLine.key(name, sb);
    }

    static void string(String s, StringBuilder sb) {
        JsonLine.string(s, sb);
    }
}
