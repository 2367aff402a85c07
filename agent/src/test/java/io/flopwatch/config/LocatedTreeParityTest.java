package io.flopwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tree LocatedTree builds in one streaming pass must answer every query as the tree of
 * before did ({@link JacksonLocatedTree}: Jackson's streaming parser for locations, then
 * ObjectMapper.readTree into a JsonNode tree): the same text, numbers, booleans, keys in the
 * same order, the same error messages with the same file, line, column and field, or the same
 * parse error. Each document is walked to every value and every query is put to both trees.
 * The expected outcomes are the old tree's own, so no number here needs another source.
 */
class LocatedTreeParityTest {

    record Doc(String name, boolean yaml, String text) {
        @Override
        public String toString() {
            return (yaml ? "yaml: " : "json: ") + name;
        }
    }

    static List<Doc> documents() {
        return List.of(
                // Numbers of every kind the parsers report: int, long, BigInteger, double.
                yaml("ints", "a: 8\nb: -3\nc: 0\nd: 2147483647\ne: 2147483648\nf: -2147483649\n"),
                yaml("longs and big ints", "a: 9223372036854775807\nb: 9223372036854775808\n"
                        + "c: -9223372036854775808\nd: -9223372036854775809\ne: 123456789012345678901234567890\n"
                        + "f: 9000000000000000000\ng: 8999999999999999999\n"),
                yaml("floats", "a: 1e-5\nb: 0.1\nc: 1.0\nd: -0.0\ne: 2.5e10\nf: 1.0e+300\ng: 8.0\nh: 3.14159\n"
                        + "i: 1e400\nj: 9.5e18\nk: 1.5\nl: 100.0\nm: 0.000001\nn: 1234567.0\no: 12345678.9\n"),
                // Jackson's YAML reports these as floats it then cannot convert: "cannot parse".
                yaml("special floats", "a: .nan\nb: .inf\nc: -.inf\nd: .NaN\ne: +.inf\n"),
                yaml("infinity", "a: -.inf\n"),
                yaml("unconvertible number before a syntax error", "a: .nan\nb: [1\n"),
                yaml("unconvertible number in a second document", "a: 1\n---\nb: .nan\n"),
                yaml("YAML number spellings", "a: 0x1F\nb: 0o17\nc: 017\nd: 1_000\ne: +5\nf: 1_000.5\ng: 0b101\n"
                        + "h: 1.\ni: .5\nj: 6.02E23\nk: 1:30\n"),
                yaml("quoted numbers", "a: \"8\"\nb: '1e-5'\nc: \" 2.5 \"\nd: \"0x10\"\ne: \"abc\"\nf: \"\"\n"),
                yaml("booleans", "a: true\nb: false\nc: yes\nd: no\ne: on\nf: off\ng: True\nh: \"true\"\ni: y\n"),
                yaml("nulls", "a: null\nb: ~\nc:\nd: [1, null, ~]\ne: \"null\"\n"),
                yaml("nested", "top:\n  list: [1, [2, 3], {k: v}]\n  map:\n    deep:\n      deeper: [a, b]\n"
                        + "  empty_list: []\n  empty_map: {}\n"),
                yaml("duplicate keys", "a: 1\nb: 2\na: {x: 1}\nc: [1]\nc: [2, 3]\n"),
                yaml("duplicate nested keys", "m:\n  x: 1\n  y: 2\nm:\n  y: 3\n"),
                yaml("unicode", "name: \"Grüße — 日本語 🚀\"\n\"ключ\": значение\nemoji: 😀\nesc: \"a\\tb\\u00e9\"\n"),
                yaml("keys needing escapes", "\"a/b\": 1\n\"c~d\": 2\n\"\": 3\n\"1\": 4\n"),
                yaml("root list", "- 1\n- two\n- 3.0\n- {a: b}\n"),
                yaml("root scalar", "42\n"),
                yaml("root text", "just text\n"),
                yaml("empty", ""),
                yaml("only a comment", "# nothing here\n"),
                yaml("root null", "~\n"),
                yaml("document marker only", "---\n"),
                yaml("two documents", "a: 1\nz: 2\n---\nz: 3\nb: x\n"),
                yaml("error in second document", "a: 1\n---\nb: [1, 2\n"),
                yaml("bad indentation", "a:\n  b: 1\n c: 2\n"),
                yaml("unclosed quote", "a: \"abc\n"),
                yaml("tab indentation", "a:\n\tb: 1\n"),
                yaml("anchors and aliases", "base: &b {x: 1}\nuse: *b\nlist: [&v 5, *v]\n"),
                yaml("tags", "a: !!str 12\nb: !!int \"7\"\nc: !!float 1\nd: !!binary aGVsbG8=\ne: !custom x\n"),
                yaml("multi-line text", "a: |\n  line one\n  line two\nb: >\n  folded\n  text\n"),
                yaml("workload-like", "workloads:\n  - name: train\n    model: llama-7b\n    seq_len: 4096\n"
                        + "    gpus: [0, 1]\n    throughput:\n      source: log\n      paths: /var/log/x.log\n"
                        + "    cupti:\n      mode: off\n"),
                json("ints and longs", "{\"a\": 8, \"b\": -3, \"c\": 2147483648, \"d\": 9223372036854775808,"
                        + " \"e\": -9223372036854775809, \"f\": 9223372036854775807}"),
                json("floats", "{\"a\": 1e-5, \"b\": 0.1, \"c\": 1.0, \"d\": -0.0, \"e\": 1E+2, \"f\": 1e400,"
                        + " \"g\": 8.0, \"h\": 2.5e-300, \"i\": 9.5e18, \"j\": 123456789.125}"),
                json("quoted numbers and text", "{\"a\": \"8\", \"b\": \"1e-5\", \"c\": \"x\", \"d\": \"\","
                        + " \"e\": \"\\u00e9\\n\\\"q\\\"\", \"f\": \"日本 🚀\"}"),
                json("booleans and nulls", "{\"a\": true, \"b\": false, \"c\": null, \"d\": [null, true]}"),
                json("nested", "{\"m\": {\"l\": [1, [2, {\"k\": [3]}]], \"e\": {}, \"f\": []}}"),
                json("duplicate keys", "{\"a\": 1, \"b\": 2, \"a\": [1, 2], \"b\": {\"x\": null}}"),
                json("hf config", "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 4096,"
                        + " \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"torch_dtype\": \"bfloat16\","
                        + " \"tie_word_embeddings\": false, \"rope_scaling\": null, \"vocab_size\": 32000}"),
                json("root array", "[1, \"a\", 2.0, {\"b\": false}]"),
                json("root number", "7"),
                json("root null", "null"),
                json("empty", ""),
                json("whitespace", "  \n "),
                json("two root values", "{\"a\": 1} {\"a\": 2, \"b\": 3}"),
                json("trailing garbage", "{\"a\": 1} xyz"),
                json("unclosed", "{\"a\": [1, 2}"),
                json("bad escape", "{\"a\": \"x\\qy\"}"),
                json("leading zero", "{\"a\": 012}"),
                json("NaN literal", "{\"a\": NaN}"),
                json("comment", "{\"a\": 1 /* no */}"),
                json("single quotes", "{'a': 1}"),
                json("trailing comma", "{\"a\": 1,}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void answersEveryQueryAsTheJsonNodeTreeDid(Doc doc) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        JacksonLocatedTree.Node oldRoot = null;
        LocatedTree.Node newRoot = null;
        String oldParse = outcome(() -> doc.yaml() ? JacksonLocatedTree.parseYaml("f.yaml", doc.text())
                : JacksonLocatedTree.parseJson("f.json", doc.text()));
        String newParse = outcome(() -> doc.yaml() ? LocatedTree.parseYaml("f.yaml", doc.text())
                : LocatedTree.parseJson("f.json", doc.text()));
        assertEquals(oldParse.startsWith("ok"), newParse.startsWith("ok"), doc + ": " + oldParse + " / " + newParse);
        if (!oldParse.startsWith("ok")) {
            assertEquals(oldParse, newParse, doc.toString());
            return;
        }
        oldRoot = doc.yaml() ? JacksonLocatedTree.parseYaml("f.yaml", doc.text())
                : JacksonLocatedTree.parseJson("f.json", doc.text());
        newRoot = doc.yaml() ? LocatedTree.parseYaml("f.yaml", doc.text()) : LocatedTree.parseJson("f.json", doc.text());
        walkOld(oldRoot, expected);
        walkNew(newRoot, actual);
        assertEquals(String.join("\n", expected), String.join("\n", actual), doc.toString());
    }

    /** Every query of one value, then its children; the old tree's answers. */
    private static void walkOld(JacksonLocatedTree.Node n, List<String> out) {
        out.add("path " + n.path());
        out.add("isBoolean " + n.json().isBoolean());
        out.add("isText " + n.json().isTextual());
        out.add("isNumber " + n.json().isNumber());
        out.add("isList " + n.json().isArray());
        out.add("isMapping " + n.json().isObject());
        out.add("asText " + outcome(n::asText));
        out.add("asLong " + outcome(n::asLong));
        out.add("asInt " + outcome(n::asInt));
        out.add("asDouble " + outcome(() -> Double.doubleToRawLongBits(n.asDouble()) + " " + n.asDouble()));
        out.add("asBoolean " + outcome(n::asBoolean));
        out.add("object " + outcome(() -> n.object().path()));
        out.add("error " + n.error("problem").getMessage());
        out.add("require " + outcome(() -> n.require("no_such_key").path()));
        out.add("keys " + n.keys());
        out.add("onlyKeys " + outcome(() -> n.onlyKeys(Set.of("a")).path()));
        out.add("intOr " + outcome(() -> n.intOr("a", -1)) + " textOr " + outcome(() -> n.textOr("a", "-"))
                + " doubleOr " + outcome(() -> n.doubleOr("a", -1)) + " boolOr " + outcome(() -> n.boolOr("a", false))
                + " longOr " + outcome(() -> n.longOr("a", -1)) + " positive " + outcome(() -> n.requirePositiveInt("a")));
        for (String key : n.keys()) {
            out.add("has " + key + " " + n.has(key));
            JacksonLocatedTree.Node child = n.get(key);
            if (child == null) {
                out.add("null child " + key);
            } else {
                walkOld(child, out);
            }
        }
        String elements = outcome(() -> n.elements().size());
        out.add("elements " + elements);
        if (elements.startsWith("ok")) {
            for (JacksonLocatedTree.Node e : n.elements()) {
                walkOld(e, out);
            }
        }
    }

    private static void walkNew(LocatedTree.Node n, List<String> out) {
        out.add("path " + n.path());
        out.add("isBoolean " + n.isBoolean());
        out.add("isText " + n.isText());
        out.add("isNumber " + n.isNumber());
        out.add("isList " + n.isList());
        out.add("isMapping " + n.isMapping());
        out.add("asText " + outcome(n::asText));
        out.add("asLong " + outcome(n::asLong));
        out.add("asInt " + outcome(n::asInt));
        out.add("asDouble " + outcome(() -> Double.doubleToRawLongBits(n.asDouble()) + " " + n.asDouble()));
        out.add("asBoolean " + outcome(n::asBoolean));
        out.add("object " + outcome(() -> n.object().path()));
        out.add("error " + n.error("problem").getMessage());
        out.add("require " + outcome(() -> n.require("no_such_key").path()));
        out.add("keys " + n.keys());
        out.add("onlyKeys " + outcome(() -> n.onlyKeys(Set.of("a")).path()));
        out.add("intOr " + outcome(() -> n.intOr("a", -1)) + " textOr " + outcome(() -> n.textOr("a", "-"))
                + " doubleOr " + outcome(() -> n.doubleOr("a", -1)) + " boolOr " + outcome(() -> n.boolOr("a", false))
                + " longOr " + outcome(() -> n.longOr("a", -1)) + " positive " + outcome(() -> n.requirePositiveInt("a")));
        for (String key : n.keys()) {
            out.add("has " + key + " " + n.has(key));
            LocatedTree.Node child = n.get(key);
            if (child == null) {
                out.add("null child " + key);
            } else {
                walkNew(child, out);
            }
        }
        String elements = outcome(() -> n.elements().size());
        out.add("elements " + elements);
        if (elements.startsWith("ok")) {
            for (LocatedTree.Node e : n.elements()) {
                walkNew(e, out);
            }
        }
    }

    /** "ok VALUE" or the InputError's message (which holds file, line, column and field). */
    private static String outcome(Supplier<Object> query) {
        try {
            Object v = query.get();
            return "ok " + (v instanceof JacksonLocatedTree.Node || v instanceof LocatedTree.Node ? "node" : v);
        } catch (InputError e) {
            return "error " + e.getMessage() + " @" + e.line() + ":" + e.column() + " field=" + e.field();
        }
    }

    private static Doc yaml(String name, String text) {
        return new Doc(name, true, text);
    }

    private static Doc json(String name, String text) {
        return new Doc(name, false, text);
    }
}
