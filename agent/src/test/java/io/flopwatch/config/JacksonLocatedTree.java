package io.flopwatch.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The LocatedTree of before (streaming pass for locations, then ObjectMapper.readTree into a
 * JsonNode tree), kept verbatim as the reference that {@link LocatedTreeParityTest} compares the
 * databind-free tree with. Test-only.
 */
final class JacksonLocatedTree {

    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    /** Built on first use: the daemon reads only YAML at start-up, and a mapper is not free to build. */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder().build();
    }

    private final String source;
    private final Map<String, JsonLocation> locations;

    private JacksonLocatedTree(String source, Map<String, JsonLocation> locations) {
        this.source = source;
        this.locations = locations;
    }

    /** Parses YAML text; {@code source} names the file in error messages. */
    public static Node parseYaml(String source, String text) {
        return parse(source, text, YAML);
    }

    /** Parses JSON text; {@code source} names the file in error messages. */
    public static Node parseJson(String source, String text) {
        return parse(source, text, Json.MAPPER);
    }

    private static Node parse(String source, String text, ObjectMapper mapper) {
        Map<String, JsonLocation> locations = new HashMap<>();
        JsonFactory factory = mapper.getFactory();
        try (JsonParser p = factory.createParser(text.getBytes(StandardCharsets.UTF_8))) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    continue;
                }
                String pointer = p.getParsingContext().pathAsPointer().toString();
                if (t == JsonToken.FIELD_NAME) {
                    // The key's own location, used for "unknown key" errors.
                    locations.put(pointer + "#key", p.currentTokenLocation());
                } else {
                    locations.putIfAbsent(pointer, p.currentTokenLocation());
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InputError(source, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                    null, "not valid " + (factory instanceof YAMLFactory ? "YAML" : "JSON") + ": "
                            + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InputError(source, 0, 0, null, "cannot read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (IOException e) {
            throw new InputError(source, 0, 0, null, "cannot parse: " + firstLine(e.getMessage()));
        }
        JacksonLocatedTree tree = new JacksonLocatedTree(source, locations);
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new InputError(source, 1, 1, null, "the file is empty");
        }
        return tree.new Node(root, "", "");
    }

    /** One value of the document with its JSON pointer and dotted field path. */
    public final class Node {
        private final JsonNode value;
        private final String pointer;
        private final String path;

        Node(JsonNode value, String pointer, String path) {
            this.value = value;
            this.pointer = pointer;
            this.path = path;
        }

        public JsonNode json() {
            return value;
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
            JsonNode v = value.get(key);
            return v != null && !v.isNull();
        }

        /** The child value, or null when absent or null. */
        public Node get(String key) {
            JsonNode v = value.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            return new Node(v, pointer + "/" + escape(key), path.isEmpty() ? key : path + "." + key);
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
            if (!value.isObject()) {
                throw error("expected a mapping of keys to values, found " + describe(value));
            }
            return this;
        }

        public List<Node> elements() {
            if (!value.isArray()) {
                throw error("expected a list, found " + describe(value));
            }
            List<Node> out = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                out.add(new Node(value.get(i), pointer + "/" + i, path + "[" + i + "]"));
            }
            return out;
        }

        public List<String> keys() {
            List<String> out = new ArrayList<>();
            value.fieldNames().forEachRemaining(out::add);
            return out;
        }

        /** Rejects keys outside {@code allowed}, naming the first unknown one at its own location. */
        public Node onlyKeys(Set<String> allowed) {
            object();
            for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
                String key = it.next();
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
            if (!value.isValueNode() || value.isNull()) {
                throw error("expected a single value, found " + describe(value));
            }
            return value.asText();
        }

        public long asLong() {
            if (value.isIntegralNumber() && value.canConvertToLong()) {
                return value.asLong();
            }
            if (value.isNumber() && value.asDouble() == Math.rint(value.asDouble())
                    && Math.abs(value.asDouble()) < 9.0e18) {
                return (long) value.asDouble();
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
            if (value.isNumber()) {
                return value.asDouble();
            }
            if (value.isTextual()) {
                try {
                    return Double.parseDouble(value.asText().trim());
                } catch (NumberFormatException e) {
                    // fall through to the error below
                }
            }
            throw error("expected a number, found " + describe(value));
        }

        public boolean asBoolean() {
            if (!value.isBoolean()) {
                throw error("expected true or false, found " + describe(value));
            }
            return value.asBoolean();
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

    private static String describe(JsonNode v) {
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isTextual()) {
            return "text \"" + v.asText() + "\"";
        }
        return v.toString();
    }
}
