package io.flopwatch.config;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parsed JSON or YAML document that remembers where each value came from, so that every
 * mistake in a user's file (a missing field, an unknown key, a wrong type) can be reported as
 * an {@link InputError} with file, line, column and the dotted field path.
 *
 * <p>The tree is built in one pass of Jackson's streaming parser (jackson-core), which also
 * records the location of every value by its JSON pointer. Jackson's own tree model (databind)
 * is not used: it drops locations, and building an {@code ObjectMapper} cost the daemon a good
 * part of its start-up. The values keep what that tree model gave (LocatedTreeParityTest
 * compares the two): numbers keep the type the parser reports (int, long, BigInteger, double),
 * a repeated key keeps its first position and its last value, only the first YAML document
 * (or JSON root value) becomes the tree while the whole text is still checked.
 */
public final class LocatedTree {

    private static final JsonFactory YAML = new YAMLFactory();

    /** Built on first use: the daemon reads only YAML at start-up. */
    private static final class Json {
        static final JsonFactory FACTORY = new JsonFactory();
    }

    private final String source;
    private final Map<String, JsonLocation> locations;

    private LocatedTree(String source, Map<String, JsonLocation> locations) {
        this.source = source;
        this.locations = locations;
    }

    /** Parses YAML text; {@code source} names the file in error messages. */
    public static Node parseYaml(String source, String text) {
        return parse(source, text, YAML);
    }

    /** Parses JSON text; {@code source} names the file in error messages. */
    public static Node parseJson(String source, String text) {
        return parse(source, text, Json.FACTORY);
    }

    private static Node parse(String source, String text, JsonFactory factory) {
        Map<String, JsonLocation> locations = new HashMap<>();
        TreeBuilder builder = new TreeBuilder();
        try (JsonParser p = factory.createParser(text.getBytes(StandardCharsets.UTF_8))) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY) {
                    String pointer = p.getParsingContext().pathAsPointer().toString();
                    if (t == JsonToken.FIELD_NAME) {
                        // The key's own location, used for "unknown key" errors.
                        locations.put(pointer + "#key", p.currentTokenLocation());
                    } else {
                        locations.putIfAbsent(pointer, p.currentTokenLocation());
                    }
                }
                builder.accept(p, t);
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InputError(source, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                    null, "not valid " + (factory instanceof YAMLFactory ? "YAML" : "JSON") + ": "
                            + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InputError(source, 0, 0, null, "cannot read: " + e.getMessage());
        }
        if (builder.valueError != null) {
            throw new InputError(source, 0, 0, null, "cannot parse: " + firstLine(builder.valueError.getMessage()));
        }
        if (builder.root == null || builder.root instanceof Null) {
            throw new InputError(source, 1, 1, null, "the file is empty");
        }
        return new LocatedTree(source, locations).new Node(builder.root, "", "");
    }

    /**
     * Assembles the first root value from the parser's tokens. Later root values (further YAML
     * documents) are read for their syntax and locations but not kept, as a tree reader would.
     */
    private static final class TreeBuilder {
        /** Open containers, innermost first: a {@link Mapping}'s entries or a {@link Sequence}'s items. */
        private final Deque<Object> open = new ArrayDeque<>();
        /** The key each open mapping waits to fill, in the same order as {@link #open}. */
        private final Deque<String> pendingKeys = new ArrayDeque<>();
        Value root;
        /** The first value the parser could not convert (the text itself was well formed). */
        IOException valueError;

        /**
         * Throws what finishing a text token throws (a bad escape): the old streaming pass met
         * those while skipping the text, so they are syntax errors of the file.
         */
        void accept(JsonParser p, JsonToken t) throws IOException {
            if (root != null || valueError != null) {
                return;
            }
            switch (t) {
                case START_OBJECT -> {
                    open.push(new LinkedHashMap<String, Value>());
                    pendingKeys.push("");
                }
                case START_ARRAY -> open.push(new ArrayList<Value>());
                case FIELD_NAME -> {
                    pendingKeys.pop();
                    pendingKeys.push(p.currentName());
                }
                case VALUE_STRING -> add(new Text(p.getText()));
                case END_OBJECT -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Value> entries = (Map<String, Value>) open.pop();
                    pendingKeys.pop();
                    add(new Mapping(entries));
                }
                case END_ARRAY -> {
                    @SuppressWarnings("unchecked")
                    List<Value> items = (List<Value>) open.pop();
                    add(new Sequence(items));
                }
                default -> {
                    // Converting a number was the tree reader's work, not the syntax check's: its
                    // failure is reported after the whole text has been checked, as before.
                    try {
                        add(scalar(p, t));
                    } catch (IOException e) {
                        valueError = e;
                    }
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void add(Value v) {
            Object container = open.peek();
            if (container == null) {
                root = v;
            } else if (container instanceof Map<?, ?> entries) {
                // A repeated key: the later value, at the first key's place (LinkedHashMap.put).
                ((Map<String, Value>) entries).put(pendingKeys.peek(), v);
            } else {
                ((List<Value>) container).add(v);
            }
        }

        private static Value scalar(JsonParser p, JsonToken t) throws IOException {
            return switch (t) {
                case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                    case INT -> new WholeNumber(p.getIntValue());
                    case LONG -> new WholeNumber(p.getLongValue());
                    default -> new WholeNumber(p.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> new Decimal(p.getDoubleValue());
                case VALUE_TRUE -> new Bool(true);
                case VALUE_FALSE -> new Bool(false);
                case VALUE_NULL -> new Null();
                case VALUE_EMBEDDED_OBJECT -> {
                    // YAML's !!binary scalars; a tree reader held them as bytes shown in Base64.
                    Object embedded = p.getEmbeddedObject();
                    if (embedded == null) {
                        yield new Null();
                    }
                    if (embedded instanceof byte[] bytes) {
                        yield new Binary(Base64Variants.getDefaultVariant().encode(bytes, false));
                    }
                    throw new IOException("unsupported embedded value of " + embedded.getClass().getName());
                }
                default -> throw new IllegalStateException("not a value token: " + t);
            };
        }
    }

    /** One value of the document, as the streaming parser reported it. */
    private sealed interface Value permits Mapping, Sequence, Text, WholeNumber, Decimal, Bool, Null, Binary {
    }

    private record Mapping(Map<String, Value> entries) implements Value {
    }

    private record Sequence(List<Value> items) implements Value {
    }

    private record Text(String text) implements Value {
    }

    /** An Integer, Long or BigInteger, as the parser's number type said. */
    private record WholeNumber(Number number) implements Value {
    }

    private record Decimal(double number) implements Value {
    }

    private record Bool(boolean value) implements Value {
    }

    private record Null() implements Value {
    }

    /** Bytes of a YAML {@code !!binary} scalar, kept as their Base64 text. */
    private record Binary(String base64) implements Value {
    }

    /** One value of the document with its JSON pointer and dotted field path. */
    public final class Node {
        private final Value value;
        private final String pointer;
        private final String path;

        Node(Value value, String pointer, String path) {
            this.value = value;
            this.pointer = pointer;
            this.path = path;
        }

        /** True for {@code true} and {@code false} (not for the text "true"). */
        public boolean isBoolean() {
            return value instanceof Bool;
        }

        /** True for a string scalar, quoted or not, including text that looks like a number. */
        public boolean isText() {
            return value instanceof Text;
        }

        /** True for a whole or decimal number (not for a quoted one). */
        public boolean isNumber() {
            return value instanceof WholeNumber || value instanceof Decimal;
        }

        public boolean isList() {
            return value instanceof Sequence;
        }

        public boolean isMapping() {
            return value instanceof Mapping;
        }

        /** Dotted field path, e.g. {@code moe.expert_ffn_size}; empty for the root. */
        public String path() {
            return path;
        }

        public String source() {
            return source;
        }

        /** An error located at this value. */
        public InputError error(String problem) {
            JsonLocation at = locations.get(pointer);
            return new InputError(source, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                    path.isEmpty() ? null : path, problem);
        }

        public boolean has(String key) {
            Value v = child(key);
            return v != null && !(v instanceof Null);
        }

        /** The child value, or null when absent or null. */
        public Node get(String key) {
            Value v = child(key);
            if (v == null || v instanceof Null) {
                return null;
            }
            return new Node(v, pointer + "/" + escape(key), path.isEmpty() ? key : path + "." + key);
        }

        private Value child(String key) {
            return value instanceof Mapping m ? m.entries().get(key) : null;
        }

        /**
         * The child value, which must be present; when it is not, the error names the missing
         * field's path and points at the mapping that should hold it.
         */
        public Node require(String key) {
            Node child = get(key);
            if (child == null) {
                JsonLocation at = locations.get(pointer);
                throw new InputError(source, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                        path.isEmpty() ? key : path + "." + key, "missing required field '" + key + "'");
            }
            return child;
        }

        public Node object() {
            if (!(value instanceof Mapping)) {
                throw error("expected a mapping of keys to values, found " + describe(value));
            }
            return this;
        }

        public List<Node> elements() {
            if (!(value instanceof Sequence s)) {
                throw error("expected a list, found " + describe(value));
            }
            List<Node> out = new ArrayList<>();
            for (int i = 0; i < s.items().size(); i++) {
                out.add(new Node(s.items().get(i), pointer + "/" + i, path + "[" + i + "]"));
            }
            return out;
        }

        public List<String> keys() {
            return value instanceof Mapping m ? new ArrayList<>(m.entries().keySet()) : new ArrayList<>();
        }

        /** Rejects keys outside {@code allowed}, naming the first unknown one at its own location. */
        public Node onlyKeys(Set<String> allowed) {
            object();
            for (String key : ((Mapping) value).entries().keySet()) {
                if (!allowed.contains(key)) {
                    JsonLocation at = locations.get(pointer + "/" + escape(key) + "#key");
                    String field = path.isEmpty() ? key : path + "." + key;
                    throw new InputError(source, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                            field, "unknown key (expected one of " + String.join(", ", new TreeSet<>(allowed)) + ")");
                }
            }
            return this;
        }

        public String asText() {
            if (value instanceof Text t) {
                return t.text();
            }
            if (value instanceof WholeNumber n) {
                return wholeNumberText(n.number());
            }
            if (value instanceof Decimal d) {
                return NumberOutput.toString(d.number());
            }
            if (value instanceof Bool b) {
                return b.value() ? "true" : "false";
            }
            if (value instanceof Binary b) {
                return b.base64();
            }
            throw error("expected a single value, found " + describe(value));
        }

        public long asLong() {
            if (value instanceof WholeNumber n
                    && (!(n.number() instanceof BigInteger big) || big.bitLength() < Long.SIZE)) {
                return n.number().longValue();
            }
            if (isNumber() && numberAsDouble() == Math.rint(numberAsDouble())
                    && Math.abs(numberAsDouble()) < 9.0e18) {
                return (long) numberAsDouble();
            }
            throw error("expected a whole number, found " + describe(value));
        }

        public int asInt() {
            long v = asLong();
            if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
                throw error("number out of range: " + v);
            }
            return (int) v;
        }

        public double asDouble() {
            if (isNumber()) {
                return numberAsDouble();
            }
            if (value instanceof Text t) {
                try {
                    return Double.parseDouble(t.text().trim());
                } catch (NumberFormatException e) {
                    // fall through to the error below
                }
            }
            throw error("expected a number, found " + describe(value));
        }

        private double numberAsDouble() {
            return value instanceof Decimal d ? d.number() : ((WholeNumber) value).number().doubleValue();
        }

        public boolean asBoolean() {
            if (!(value instanceof Bool b)) {
                throw error("expected true or false, found " + describe(value));
            }
            return b.value();
        }

        public int intOr(String key, int fallback) {
            Node n = get(key);
            return n == null ? fallback : n.asInt();
        }

        public long longOr(String key, long fallback) {
            Node n = get(key);
            return n == null ? fallback : n.asLong();
        }

        public double doubleOr(String key, double fallback) {
            Node n = get(key);
            return n == null ? fallback : n.asDouble();
        }

        public boolean boolOr(String key, boolean fallback) {
            Node n = get(key);
            return n == null ? fallback : n.asBoolean();
        }

        public String textOr(String key, String fallback) {
            Node n = get(key);
            return n == null ? fallback : n.asText();
        }

        /** A positive whole number that must be present. */
        public int requirePositiveInt(String key) {
            Node n = require(key);
            int v = n.asInt();
            if (v <= 0) {
                throw n.error("must be a positive whole number, found " + v);
            }
            return v;
        }
    }

    /** Parser messages (SnakeYAML's especially) run over several lines; errors print as one. */
    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("").trim();
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String wholeNumberText(Number n) {
        if (n instanceof Integer i) {
            return NumberOutput.toString(i.intValue());
        }
        if (n instanceof Long l) {
            return NumberOutput.toString(l.longValue());
        }
        return n.toString();
    }

    /** How a value is named in an error: as Jackson's tree model printed scalars (JSON text). */
    private static String describe(Value v) {
        if (v instanceof Mapping) {
            return "a mapping";
        }
        if (v instanceof Sequence) {
            return "a list";
        }
        if (v instanceof Text t) {
            return "text \"" + t.text() + "\"";
        }
        if (v instanceof WholeNumber n) {
            return wholeNumberText(n.number());
        }
        if (v instanceof Decimal d) {
            String digits = NumberOutput.toString(d.number(), false);
            // JSON has no NaN or infinity: Jackson writes them as quoted text.
            return Double.isFinite(d.number()) ? digits : "\"" + digits + "\"";
        }
        if (v instanceof Bool b) {
            return b.value() ? "true" : "false";
        }
        if (v instanceof Binary b) {
            return "\"" + b.base64() + "\"";
        }
        return "null";
    }
}
