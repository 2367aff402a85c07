package io.flopwatch.flops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every preset's parameter count against its published size (the source is in each preset's YAML). */
class PresetsTest {

    static List<String> presetIds() {
        return ModelSpecs.presetIds();
    }

    @Test
    void theIssueListsTheseAtLeast() {
        assertTrue(presetIds().containsAll(List.of("gpt2-124m", "gpt3-175b", "llama-2-7b", "llama-2-70b", "llama-3-8b",
                "llama-3-70b", "llama-3.1-405b", "mixtral-8x7b", "qwen2.5-72b", "deepseek-v3", "chinchilla-70b",
                "palm-540b")));
    }

    @ParameterizedTest
    @MethodSource("presetIds")
    void everyPresetMatchesItsPublishedSizeWithinOnePercent(String id) {
        ModelSpecs.Preset p = ModelSpecs.preset(id);
        assertFalse(p.source().isBlank(), id + " must cite its source");
        assertTrue(p.publishedParams() > 0, id + " must state its published size");
        long counted = FlopCounter.parameters(p.spec()).total();
        double error = Math.abs(counted - p.publishedParams()) / (double) p.publishedParams();
        assertTrue(error < 0.01, id + ": counted " + counted + " vs published " + p.publishedParams());
    }

    @ParameterizedTest(name = "{0} activated {1}")
    @CsvSource({
        // Mixtral of Experts (Jiang et al. 2024) Table 1 / section 2: 12.9B active parameters.
        "mixtral-8x7b, 12.9e9, 0.01",
        // DeepSeek-V3 Technical Report, abstract: 37B activated per token (rounded, hence 2%).
        "deepseek-v3, 37.0e9, 0.02",
    })
    void moePresetsMatchTheirPublishedActivatedSize(String id, double published, double tolerance) {
        long counted = FlopCounter.parameters(ModelSpecs.preset(id).spec()).activated();
        assertEquals(published, counted, published * tolerance);
    }

    @Test
    void gpt2CountsExactlyWhatTransformersCounts() {
        // sum(p.numel() for p in GPT2LMHeadModel.from_pretrained("gpt2").parameters()) = 124,439,808
        assertEquals(124_439_808L, FlopCounter.parameters(ModelSpecs.resolve("gpt2")).total());
    }

    @Test
    void aliasesResolve() {
        assertEquals(ModelSpecs.preset("llama-3.1-405b").spec(), ModelSpecs.resolve("llama-3-405b"));
        assertEquals(ModelSpecs.preset("gpt2-124m").spec(), ModelSpecs.resolve("GPT2"));
    }
}
