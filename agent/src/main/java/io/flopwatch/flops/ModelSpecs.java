package io.flopwatch.flops;

import io.flopwatch.config.InputError;
import io.flopwatch.config.LocatedTree;
import io.flopwatch.config.LocatedTree.Node;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Where model specs come from: built-in presets (YAML files under {@code config/models/} on the
 * classpath), a user's YAML spec file, a Hugging Face {@code config.json} (see
 * {@link HfConfigImporter}), or a bare parameter count. Every mistake in a file is an
 * {@link InputError} with file, line, column and field.
 */
public final class ModelSpecs {

    private static final String PRESET_DIR = "config/models/";

    /** Keys a YAML spec may have; anything else is an error, so a typo is never silently ignored. */
    static final Set<String> SPEC_KEYS = Set.of("name", "source", "published_params",
            "published_activated_params", "hidden_size", "num_layers", "num_heads", "num_kv_heads", "head_dim",
            "ffn_size", "ffn_kind", "vocab_size", "tied_embeddings", "sliding_window", "sliding_window_layers",
            "norm", "norms_per_layer", "qkv_bias", "linear_bias", "learned_positions",
            "relative_position_params_per_layer", "moe", "mla");
    static final Set<String> MOE_KEYS = Set.of("routed_experts", "experts_per_token", "shared_experts",
            "expert_ffn_size", "shared_expert_ffn_size", "dense_layers");
    static final Set<String> MLA_KEYS = Set.of("q_lora_rank", "kv_lora_rank", "qk_rope_head_dim",
            "qk_nope_head_dim", "v_head_dim");

    private ModelSpecs() {
    }

    /** A preset with the published sizes it is checked against. */
    public record Preset(String id, ModelSpec spec, String source, long publishedParams,
                         long publishedActivatedParams) {
    }

    /**
     * Resolves the value of {@code --model}: a preset id or alias, a {@code config.json} (or a
     * directory holding one), or a YAML spec file.
     */
    public static ModelSpec resolve(String model) {
        Map<String, String> index = presetIndex();
        String id = index.get(model.toLowerCase(Locale.ROOT));
        if (id != null) {
            return preset(id).spec();
        }
        Path path = Path.of(model);
        if (Files.isDirectory(path)) {
            path = path.resolve("config.json");
        }
        if (!Files.isRegularFile(path)) {
            throw new InputError("--model", 0, 0, null, "'" + model + "' is neither a preset ("
                    + String.join(", ", presetIds()) + ") nor a readable file");
        }
        String text = read(path);
        String name = path.getFileName().toString();
        if (name.endsWith(".json")) {
            String label = path.getParent() != null && name.equals("config.json")
                    ? path.toAbsolutePath().getParent().getFileName().toString() : name;
            return HfConfigImporter.fromJson(path.toString(), text, label);
        }
        return fromYaml(path.toString(), text).spec();
    }

    /** Ids of the built-in presets, in catalog order. */
    public static List<String> presetIds() {
        return presetIndex().values().stream().distinct().toList();
    }

    /** One built-in preset by id (not alias). */
    public static Preset preset(String id) {
        String resource = PRESET_DIR + id + ".yaml";
        String text = readResource(resource);
        if (text == null) {
            throw new IllegalStateException("preset " + id + " is listed but " + resource + " is missing");
        }
        Preset p = fromYaml(resource, text);
        return new Preset(id, p.spec(), p.source(), p.publishedParams(), p.publishedActivatedParams());
    }

    /** Reads a YAML model spec (the format of the presets; documented in docs/flops.md). */
    public static Preset fromYaml(String source, String text) {
        Node root = LocatedTree.parseYaml(source, text).object().onlyKeys(SPEC_KEYS);
        String name = root.textOr("name", fileStem(source));
        ModelSpec.Builder b = ModelSpec.builder(name)
                .hiddenSize(root.requirePositiveInt("hidden_size"))
                .numLayers(root.requirePositiveInt("num_layers"))
                .numHeads(root.requirePositiveInt("num_heads"))
                .numKvHeads(root.intOr("num_kv_heads", 0))
                .headDim(root.intOr("head_dim", 0))
                .vocabSize(root.requirePositiveInt("vocab_size"))
                .tiedEmbeddings(root.boolOr("tied_embeddings", false))
                .normsPerLayer(root.intOr("norms_per_layer", 2))
                .qkvBias(root.boolOr("qkv_bias", false))
                .linearBias(root.boolOr("linear_bias", false))
                .learnedPositions(root.intOr("learned_positions", 0))
                .relativePositionParamsPerLayer(root.longOr("relative_position_params_per_layer", 0));
        b.ffnKind(enumValue(root.get("ffn_kind"), FfnKind.class, FfnKind.GATED));
        b.normKind(enumValue(root.get("norm"), NormKind.class, NormKind.RMSNORM));
        Node moe = root.get("moe");
        if (moe == null || moe.object().onlyKeys(MOE_KEYS).has("dense_layers")) {
            b.ffnSize(root.requirePositiveInt("ffn_size"));
        } else {
            b.ffnSize(root.intOr("ffn_size", 0));
        }
        if (root.has("sliding_window")) {
            int window = root.get("sliding_window").asInt();
            b.slidingWindow(window, root.intOr("sliding_window_layers", -1));
        }
        if (moe != null) {
            int expertFfn = moe.requirePositiveInt("expert_ffn_size");
            b.moe(build(moe, () -> new ModelSpec.Moe(moe.requirePositiveInt("routed_experts"),
                    moe.requirePositiveInt("experts_per_token"), moe.intOr("shared_experts", 0), expertFfn,
                    moe.intOr("shared_expert_ffn_size", expertFfn), moe.intOr("dense_layers", 0))));
        }
        Node mla = root.get("mla");
        if (mla != null) {
            mla.object().onlyKeys(MLA_KEYS);
            b.mla(build(mla, () -> new ModelSpec.Mla(mla.intOr("q_lora_rank", 0),
                    mla.requirePositiveInt("kv_lora_rank"), mla.requirePositiveInt("qk_rope_head_dim"),
                    mla.requirePositiveInt("qk_nope_head_dim"), mla.requirePositiveInt("v_head_dim"))));
        }
        ModelSpec spec = build(root, b::build);
        return new Preset(name, spec, root.textOr("source", ""), (long) root.doubleOr("published_params", 0),
                (long) root.doubleOr("published_activated_params", 0));
    }

    /** Runs a validating constructor, turning its complaint into an error located at {@code at}. */
    static <T> T build(Node at, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw at.error(e.getMessage());
        }
    }

    static <E extends Enum<E>> E enumValue(Node n, Class<E> type, E fallback) {
        if (n == null) {
            return fallback;
        }
        String text = n.asText().trim().toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(text)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw n.error("expected one of " + String.join(", ", names) + ", found \"" + n.asText() + "\"");
    }

    /** Preset ids and aliases (lower case) → preset id, from config/models/index.yaml. */
    static Map<String, String> presetIndex() {
        return PresetIndex.INDEX;
    }

    /** Lazy holder: the index is read once, on first use. */
    private static final class PresetIndex {
        static final Map<String, String> INDEX = Collections.unmodifiableMap(readPresetIndex());
    }

    private static Map<String, String> readPresetIndex() {
        String source = PRESET_DIR + "index.yaml";
        String text = readResource(source);
        if (text == null) {
            throw new IllegalStateException(source + " is missing from the classpath");
        }
        Node root = LocatedTree.parseYaml(source, text).object().onlyKeys(Set.of("presets", "aliases"));
        Map<String, String> index = new LinkedHashMap<>();
        for (Node n : root.require("presets").elements()) {
            index.put(n.asText().toLowerCase(Locale.ROOT), n.asText());
        }
        Node aliases = root.get("aliases");
        if (aliases != null) {
            for (String alias : aliases.object().keys()) {
                index.put(alias.toLowerCase(Locale.ROOT), aliases.get(alias).asText());
            }
        }
        return index;
    }

    private static String fileStem(String source) {
        String name = Path.of(source).getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InputError(path.toString(), 0, 0, null, "cannot read: " + e.getMessage());
        }
    }

    static String readResource(String name) {
        try (InputStream in = ModelSpecs.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }
}
