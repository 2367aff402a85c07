package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonText} writes the characters Jackson's own {@code toString()} writes (the log line
 * used to be that), for every kind of value the log line holds and every character a string can
 * carry that JSON escapes (RFC 8259 section 7: quotation mark, reverse solidus, U+0000–U+001F).
 */
class JsonTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Object> values() {
        return Stream.of(0.0, -0.0, 1.0, 0.1, 1e-7, 1e21, 123456789.125, Double.MIN_VALUE, Double.MAX_VALUE,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE,
                0, Integer.MIN_VALUE, true, false, "", "plain", "quote \" backslash \\ slash /",
                "tab\tnewline\nreturn\rbell\u0007nul\u0000unit\u001fdel\u007f", "ünïcødé 漢字 😀", "\ud800 lone surrogate");
    }

    @ParameterizedTest
    @MethodSource("values")
    void eachValueAsJacksonWritesIt(Object v) {
        ObjectNode o = JSON.createObjectNode();
        put(o, "k", v);
        o.putNull("n");
        o.putArray("a").add(JSON.valueToTree(v)).addNull().addObject();
        assertEquals(o.toString(), JsonText.of(o));
    }

    @Test
    void everyCharacterBelow256InKeysAndValues() {
        ObjectNode o = JSON.createObjectNode();
        for (char c = 0; c < 256; c++) {
            o.put("key" + c, "v" + c + "x");
        }
        assertEquals(o.toString(), JsonText.of(o));
    }

    @Test
    void randomNestedTrees() {
        Random random = new Random(8); // fixed seed: the same trees every run
        Object[] pool = values().toArray();
        for (int n = 0; n < 200; n++) {
            ObjectNode root = JSON.createObjectNode();
            fill(root, random, pool, 0);
            assertEquals(root.toString(), JsonText.of(root));
        }
    }

    private static void fill(ObjectNode o, Random random, Object[] pool, int depth) {
        int fields = random.nextInt(6);
        for (int i = 0; i < fields; i++) {
            String key = "f" + i + pool[random.nextInt(pool.length)];
            int kind = random.nextInt(depth < 3 ? 4 : 2);
            if (kind == 2) {
                fill(o.putObject(key), random, pool, depth + 1);
            } else if (kind == 3) {
                ArrayNode a = o.putArray(key);
                for (int j = random.nextInt(4); j > 0; j--) {
                    a.add(JSON.valueToTree(pool[random.nextInt(pool.length)]));
                }
                fill(a.addObject(), random, pool, depth + 1);
            } else {
                put(o, key, pool[random.nextInt(pool.length)]);
            }
        }
    }

    private static void put(ObjectNode o, String k, Object v) {
        if (v instanceof Double d) {
            o.put(k, d.doubleValue());
        } else if (v instanceof Long l) {
            o.put(k, l.longValue());
        } else if (v instanceof Integer i) {
            o.put(k, i.intValue());
        } else if (v instanceof Boolean b) {
            o.put(k, b.booleanValue());
        } else {
            o.put(k, (String) v);
        }
    }
}
