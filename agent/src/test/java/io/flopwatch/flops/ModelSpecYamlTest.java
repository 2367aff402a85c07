package io.flopwatch.flops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.InputError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelSpecYamlTest {

    private static final String GOOD = """
            name: tiny
            hidden_size: 512
            num_layers: 4
            num_heads: 8
            ffn_size: 2048
            ffn_kind: mlp
            vocab_size: 1000
            moe:
              routed_experts: 4
              experts_per_token: 1
              expert_ffn_size: 1024
            """;

    @Test
    void aGoodSpecParses() {
        ModelSpec s = ModelSpecs.fromYaml("tiny.yaml", GOOD).spec();
        assertEquals(512, s.hiddenSize());
        assertEquals(8, s.numKvHeads());
        assertEquals(64, s.headDim());
        assertEquals(FfnKind.MLP, s.ffnKind());
        assertEquals(4, s.moe().routedExperts());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // what is wrong | replace | with | line | column | field | message contains
        // (a constraint between fields is reported where the mapping that holds them starts)
        "unknown key    | num_heads: 8       | num_head: 8          | 4 | 1 | num_head             | unknown key",
        "nested unknown | expert_ffn_size    | expert_ffn           | 11 | 3 | moe.expert_ffn      | unknown key",
        "wrong type     | num_layers: 4      | num_layers: four     | 3 | 13 | num_layers          | whole number",
        "bad enum       | ffn_kind: mlp      | ffn_kind: swiglu     | 6 | 11 | ffn_kind            | expected one of mlp, gated",
        "non-positive   | vocab_size: 1000   | vocab_size: 0        | 7 | 13 | vocab_size          | positive",
        "bad MoE        | experts_per_token: 1 | experts_per_token: 9 | 9 | 3 | moe                | experts_per_token",
    })
    void mistakesAreLocated(String what, String from, String to, int line, int column, String field, String message) {
        String text = GOOD.replace(from, to);
        InputError e = assertThrows(InputError.class, () -> ModelSpecs.fromYaml("spec.yaml", text));
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith("spec.yaml:" + line + ":" + column + ": " + field + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aMissingFieldIsNamed() {
        String text = GOOD.replace("vocab_size: 1000\n", "");
        InputError e = assertThrows(InputError.class, () -> ModelSpecs.fromYaml("spec.yaml", text));
        assertEquals("vocab_size", e.field());
        assertEquals("spec.yaml:1:1: vocab_size: missing required field 'vocab_size'", e.getMessage());
    }

    @Test
    void brokenYamlIsLocated() {
        InputError e = assertThrows(InputError.class, () -> ModelSpecs.fromYaml("spec.yaml", "a: [1, 2\nb: 3\n"));
        assertTrue(e.line() > 0, e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
