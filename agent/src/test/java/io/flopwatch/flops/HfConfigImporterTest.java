package io.flopwatch.flops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.InputError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real config.json files (src/test/resources/hf-configs, written from the published configs). */
class HfConfigImporterTest {

    static String fixture(String name) {
        try (InputStream in = HfConfigImporterTest.class.getResourceAsStream("/hf-configs/" + name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static ModelSpec load(String name) {
        return HfConfigImporter.fromJson(name, fixture(name), name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // file, published total, published activated (0 = dense), tolerance; source of each number:
        // meta-llama/Meta-Llama-3-8B model card: 8.03B
        "llama-3-8b.json,          8.03e9,  0,      0.005",
        // Mistral 7B paper (Jiang et al. 2023) / HF safetensors metadata: 7.24B
        "mistral-7b-v0.1.json,     7.24e9,  0,      0.005",
        // Mixtral of Experts (Jiang et al. 2024): 46.7B total, 12.9B active
        "mixtral-8x7b-v0.1.json,   46.7e9,  12.9e9, 0.005",
        // Qwen2.5 Technical Report Table 1: Qwen2.5-7B 7.61B
        "qwen2.5-7b.json,          7.61e9,  0,      0.005",
        // Qwen1.5-MoE-A2.7B model card: 14.3B total, 2.7B activated
        "qwen1.5-moe-a2.7b.json,   14.3e9,  2.7e9,  0.01",
        // Qwen3 model card (Qwen3-8B): 8.2B
        "qwen3-8b.json,            8.2e9,   0,      0.01",
        // Qwen3 model card (Qwen3-30B-A3B): 30.5B total, 3.3B activated
        "qwen3-30b-a3b.json,       30.5e9,  3.3e9,  0.02",
        // DeepSeek-V3 Technical Report: 671B total, 37B activated
        "deepseek-v3.json,         671e9,   37e9,   0.02",
        // transformers: GPT2LMHeadModel('gpt2') has 124,439,808 parameters
        "gpt2.json,                124439808, 0,    0.000001",
        // GPT-NeoX-20B paper (Black et al. 2022) Table 1: 20,554,567,680 parameters
        "gpt-neox-20b.json,        20554567680, 0,  0.000001",
        // Gemma technical report (2024) Table 2: Gemma 7B 8.54B total (incl. embeddings)
        "gemma-7b.json,            8.54e9,  0,      0.005",
        // Gemma 2 technical report (2024) Table 1/2: 9B model 9.24B total
        "gemma-2-9b.json,          9.24e9,  0,      0.005",
    })
    void importedConfigsCountTheirPublishedSize(String file, double total, double activated, double tolerance) {
        ParameterCounts p = FlopCounter.parameters(load(file));
        assertEquals(total, p.total(), total * tolerance, "total");
        if (activated > 0) {
            assertEquals(activated, p.activated(), activated * Math.max(tolerance, 0.02), "activated");
        }
    }

    @Test
    void importsEqualTheHandWrittenPresets() {
        assertEquals(ModelSpecs.preset("llama-3-8b").spec(), renamed(load("llama-3-8b.json"), "llama-3-8b"));
        assertEquals(ModelSpecs.preset("deepseek-v3").spec(), renamed(load("deepseek-v3.json"), "deepseek-v3"));
        assertEquals(ModelSpecs.preset("mixtral-8x7b").spec(), renamed(load("mixtral-8x7b-v0.1.json"), "mixtral-8x7b"));
        assertEquals(ModelSpecs.preset("gpt2-124m").spec(), renamed(load("gpt2.json"), "gpt2-124m"));
    }

    private static ModelSpec renamed(ModelSpec s, String name) {
        return new ModelSpec(name, s.hiddenSize(), s.numLayers(), s.numHeads(), s.numKvHeads(), s.headDim(),
                s.ffnSize(), s.ffnKind(), s.vocabSize(), s.tiedEmbeddings(), s.slidingWindowTokens(),
                s.slidingWindowLayers(), s.normKind(), s.normsPerLayer(), s.qkvBias(), s.linearBias(),
                s.learnedPositions(), s.relativePositionParamsPerLayer(), s.moe(), s.mla(), s.approximateParams());
    }

    @Test
    void slidingWindowsFollowEachModelType() {
        // Mistral 7B: every layer has a 4096-token window (Jiang et al. 2023, section 2).
        ModelSpec mistral = load("mistral-7b-v0.1.json");
        assertEquals(4096, mistral.slidingWindowTokens());
        assertEquals(32, mistral.slidingWindowLayers());
        // Gemma 2: local and global layers alternate (Gemma 2 report, section 2): 21 of 42 local.
        ModelSpec gemma2 = load("gemma-2-9b.json");
        assertEquals(4096, gemma2.slidingWindowTokens());
        assertEquals(21, gemma2.slidingWindowLayers());
        // Qwen2.5 lists sliding_window but use_sliding_window is false: full attention.
        assertEquals(0, load("qwen2.5-7b.json").slidingWindowTokens());
    }

    @Test
    void aMissingFieldIsNamed() {
        String text = fixture("llama-3-8b.json").replace("\"hidden_size\": 4096,", "");
        InputError e = assertThrows(InputError.class, () -> HfConfigImporter.fromJson("cfg.json", text, "x"));
        assertEquals("hidden_size", e.field());
        assertEquals("cfg.json", e.source());
        assertEquals(1, e.line());
    }

    @Test
    void aWrongTypeIsLocated() {
        String text = fixture("llama-3-8b.json").replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": \"many\"");
        InputError e = assertThrows(InputError.class, () -> HfConfigImporter.fromJson("cfg.json", text, "x"));
        assertEquals("num_hidden_layers", e.field());
        assertEquals(14, e.line());
        assertTrue(e.column() > 0);
    }

    @Test
    void anUnknownModelTypeIsAClearError() {
        String text = "{\n  \"model_type\": \"mamba\"\n}\n";
        InputError e = assertThrows(InputError.class, () -> HfConfigImporter.fromJson("cfg.json", text, "x"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("unsupported model_type \"mamba\""), e.getMessage());
    }
}
