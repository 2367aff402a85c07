package io.flopwatch.flops;

import io.flopwatch.config.LocatedTree;
import io.flopwatch.config.LocatedTree.Node;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a {@link ModelSpec} from a Hugging Face {@code config.json}. Field names and defaults
 * follow the transformers configuration classes of each model type (LlamaConfig, MistralConfig,
 * MixtralConfig, Qwen2Config, Qwen2MoeConfig, Qwen3Config, Qwen3MoeConfig, DeepseekV3Config,
 * GPT2Config, GPTNeoXConfig, GemmaConfig, Gemma2Config). Keys this reader does not need are
 * ignored (configs carry many); a missing key it needs is an error naming it.
 */
public final class HfConfigImporter {

    public static final List<String> MODEL_TYPES = List.of("llama", "mistral", "mixtral", "qwen2", "qwen2_moe",
            "qwen3", "qwen3_moe", "deepseek_v2", "deepseek_v3", "gpt2", "gpt_neox", "gemma", "gemma2");

    private HfConfigImporter() {
    }

    public static ModelSpec fromJson(String source, String text, String name) {
        Node root = LocatedTree.parseJson(source, text).object();
        return fromConfig(root, name);
    }

    static ModelSpec fromConfig(Node root, String name) {
        Node typeNode = root.require("model_type");
        String type = typeNode.asText();
        return switch (type) {
            case "gpt2" -> gpt2(root, name);
            case "gpt_neox" -> gptNeox(root, name);
            case "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "gemma2",
                    "deepseek_v2", "deepseek_v3" -> llamaFamily(root, name, type);
            default -> throw typeNode.error("unsupported model_type \"" + type + "\" (supported: "
                    + String.join(", ", MODEL_TYPES) + "); write a YAML spec instead (docs/flops.md)");
        };
    }

    private static ModelSpec gpt2(Node c, String name) {
        int d = c.requirePositiveInt("n_embd");
        ModelSpec.Builder b = ModelSpec.builder(name)
                .hiddenSize(d)
                .numLayers(c.requirePositiveInt("n_layer"))
                .numHeads(c.requirePositiveInt("n_head"))
                .ffnSize(c.intOr("n_inner", 4 * d))
                .ffnKind(FfnKind.MLP)
                .vocabSize(c.requirePositiveInt("vocab_size"))
                .tiedEmbeddings(true) // GPT2LMHeadModel always ties lm_head to wte
                .normKind(NormKind.LAYERNORM)
                .linearBias(true)
                .learnedPositions(c.requirePositiveInt("n_positions"));
        return ModelSpecs.build(c, b::build);
    }

    private static ModelSpec gptNeox(Node c, String name) {
        ModelSpec.Builder b = ModelSpec.builder(name)
                .hiddenSize(c.requirePositiveInt("hidden_size"))
                .numLayers(c.requirePositiveInt("num_hidden_layers"))
                .numHeads(c.requirePositiveInt("num_attention_heads"))
                .ffnSize(c.requirePositiveInt("intermediate_size"))
                .ffnKind(FfnKind.MLP)
                .vocabSize(c.requirePositiveInt("vocab_size"))
                .tiedEmbeddings(c.boolOr("tie_word_embeddings", false))
                .normKind(NormKind.LAYERNORM)
                .linearBias(c.boolOr("attention_bias", true));
        return ModelSpecs.build(c, b::build);
    }

    private static ModelSpec llamaFamily(Node c, String name, String type) {
        int d = c.requirePositiveInt("hidden_size");
        int layers = c.requirePositiveInt("num_hidden_layers");
        int heads = c.requirePositiveInt("num_attention_heads");
        boolean gemma = type.startsWith("gemma");
        ModelSpec.Builder b = ModelSpec.builder(name)
                .hiddenSize(d)
                .numLayers(layers)
                .numHeads(heads)
                .numKvHeads(c.intOr("num_key_value_heads", heads))
                .headDim(c.intOr("head_dim", d / heads))
                .ffnKind(FfnKind.GATED)
                .vocabSize(c.requirePositiveInt("vocab_size"))
                // Gemma configs tie by default; the others default to untied.
                .tiedEmbeddings(c.boolOr("tie_word_embeddings", gemma))
                .normKind(NormKind.RMSNORM)
                .normsPerLayer(type.equals("gemma2") ? 4 : 2);
        // Qwen2 and Qwen2-MoE always have Q/K/V biases; Llama-style configs say so in attention_bias.
        boolean qkvBias = type.equals("qwen2") || type.equals("qwen2_moe") || c.boolOr("attention_bias", false);
        b.qkvBias(qkvBias);

        switch (type) {
            case "mixtral" -> {
                int ffn = c.requirePositiveInt("intermediate_size");
                b.ffnSize(ffn);
                b.moe(ModelSpecs.build(c, () -> new ModelSpec.Moe(c.requirePositiveInt("num_local_experts"),
                        c.requirePositiveInt("num_experts_per_tok"), 0, ffn, 0, 0)));
            }
            case "qwen2_moe", "qwen3_moe" -> {
                b.ffnSize(c.intOr("intermediate_size", 0));
                int moeLayers = qwenMoeLayers(c, layers);
                int shared = c.intOr("shared_expert_intermediate_size", 0);
                int expertFfn = c.requirePositiveInt("moe_intermediate_size");
                b.moe(ModelSpecs.build(c, () -> new ModelSpec.Moe(c.requirePositiveInt("num_experts"),
                        c.requirePositiveInt("num_experts_per_tok"), shared > 0 ? 1 : 0, expertFfn, shared,
                        layers - moeLayers)));
            }
            case "deepseek_v2", "deepseek_v3" -> {
                b.ffnSize(c.requirePositiveInt("intermediate_size"));
                int firstDense = c.intOr("first_k_dense_replace", 0);
                int freq = c.intOr("moe_layer_freq", 1);
                int moeLayers = 0;
                for (int i = firstDense; i < layers; i++) {
                    if (i % freq == 0) {
                        moeLayers++;
                    }
                }
                int expertFfn = c.requirePositiveInt("moe_intermediate_size");
                int denseLayers = layers - moeLayers;
                if (c.has("n_routed_experts")) {
                    b.moe(ModelSpecs.build(c, () -> new ModelSpec.Moe(c.requirePositiveInt("n_routed_experts"),
                            c.requirePositiveInt("num_experts_per_tok"), c.intOr("n_shared_experts", 0), expertFfn,
                            expertFfn, denseLayers)));
                }
                b.mla(ModelSpecs.build(c, () -> new ModelSpec.Mla(c.intOr("q_lora_rank", 0),
                        c.requirePositiveInt("kv_lora_rank"), c.requirePositiveInt("qk_rope_head_dim"),
                        c.requirePositiveInt("qk_nope_head_dim"), c.requirePositiveInt("v_head_dim"))));
            }
            default -> b.ffnSize(c.requirePositiveInt("intermediate_size"));
        }

        int window = c.intOr("sliding_window", 0);
        if (window > 0) {
            switch (type) {
                case "mistral", "mixtral" -> b.slidingWindow(window, layers);
                // Gemma 2 alternates local and global layers, starting with a local one
                // (Gemma2DecoderLayer: is_sliding = layer_idx % 2 == 0).
                case "gemma2" -> b.slidingWindow(window, (layers + 1) / 2);
                // Qwen uses the window only when use_sliding_window is true, and then only on the
                // layers from max_window_layers on.
                case "qwen2", "qwen2_moe", "qwen3", "qwen3_moe" -> {
                    if (c.boolOr("use_sliding_window", false)) {
                        int full = Math.min(layers, c.intOr("max_window_layers", layers));
                        if (layers - full > 0) {
                            b.slidingWindow(window, layers - full);
                        }
                    }
                }
                default -> {
                    // llama, gemma, deepseek: no sliding window in their attention
                }
            }
        }
        return ModelSpecs.build(c, b::build);
    }

    /** Qwen MoE layer placement: every decoder_sparse_step-th layer, except mlp_only_layers. */
    private static int qwenMoeLayers(Node c, int layers) {
        int step = c.intOr("decoder_sparse_step", 1);
        if (step <= 0) {
            throw c.require("decoder_sparse_step").error("must be positive");
        }
        Set<Integer> mlpOnly = new HashSet<>();
        Node list = c.get("mlp_only_layers");
        if (list != null) {
            for (Node n : list.elements()) {
                mlpOnly.add(n.asInt());
            }
        }
        int count = 0;
        for (int i = 0; i < layers; i++) {
            if (!mlpOnly.contains(i) && (i + 1) % step == 0) {
                count++;
            }
        }
        return count;
    }
}
