package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flops, mfu and roofline commands end to end through Main: exit statuses, JSON fields, errors. */
class FlopsCommandsTest {


    @Test
    void flopsJsonHasTheDocumentedFields() {
        CliRun r = CliRun.run("flops", "--model", "gpt2", "--seq-len", "1024", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertEquals(124_439_808L, j.get("params_total").asLong());
        assertEquals(124_439_808L, j.get("params_activated").asLong());
        // nanoGPT estimate_mfu less 6 × its 121,344 norm/bias parameters (see FlopCounterTest)
        assertEquals(855_166_464.0 - 6 * 121_344, j.get("flops_per_token").asDouble(), 0.5);
        assertEquals(j.get("flops_per_token").asDouble(), j.get("hardware_flops_per_token").asDouble());
        assertTrue(j.get("components").isArray());
        assertEquals("attention_qkv", j.get("components").get(0).get("name").asText());
        assertTrue(j.get("flops_per_token_by_formula").has("kaplan"));
    }

    @Test
    void flopsTableAndRecomputation() {
        CliRun r = CliRun.run("flops", "--model", "llama-3-8b", "--seq-len", "8192", "--recompute", "full", "--formula", "detailed");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("attention_scores"), r.out());
        assertTrue(r.out().contains("hardware FLOPs/token"), r.out());
        CliRun j = CliRun.run("flops", "--model", "llama-3-8b", "--seq-len", "8192", "--recompute", "full", "--json");
        assertTrue(j.json().get("hardware_flops_per_token").asDouble() > j.json().get("flops_per_token").asDouble());
    }

    @Test
    void paramsAloneAndOtherFormulasAndModes() {
        CliRun r = CliRun.run("flops", "--params", "7e9", "--seq-len", "4096", "--formula", "6n", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals(6 * 7e9, r.json().get("flops_per_token").asDouble());
        assertEquals("6n", r.json().get("formula").asText());
        assertTrue(r.json().get("flops_per_token_by_formula").get("megatron").isNull());
        CliRun prefill = CliRun.run("flops", "--model", "llama-3-8b", "--mode", "prefill", "--seq-len", "1000", "--json");
        assertEquals(0, prefill.status(), prefill.err());
        assertEquals(1000 * prefill.json().get("flops_per_token").asDouble(),
                prefill.json().get("flops_per_sequence").asDouble(), 1);
        assertEquals(ExitStatus.USAGE.code(), CliRun.run("flops", "--model", "gpt2", "--seq-len", "8", "--formula", "chinchilla").status());
        assertEquals(ExitStatus.USAGE.code(), CliRun.run("flops", "--seq-len", "8").status());
        assertEquals(ExitStatus.USAGE.code(), CliRun.run("flops", "--model", "gpt2", "--params", "1e9", "--seq-len", "8").status());
    }

    @Test
    void decodeNeedsAContext() {
        CliRun r = CliRun.run("flops", "--model", "llama-3-8b", "--mode", "decode");
        assertEquals(ExitStatus.USAGE.code(), r.status());
        assertTrue(r.err().contains("--context"), r.err());
        CliRun ok = CliRun.run("flops", "--model", "llama-3-8b", "--mode", "decode", "--context", "4096", "--json");
        assertEquals(0, ok.status(), ok.err());
        assertEquals(4096, ok.json().get("context_tokens").asLong());
    }

    @Test
    void aBadSpecFileIsOneLineWithFileLineColumnAndExit3(@TempDir Path dir) throws IOException {
        Path spec = dir.resolve("model.yaml");
        Files.writeString(spec, "hidden_size: 512\nnum_layers: 4\nnum_heads: 8\nffn_size: 2048\nvocab_szie: 1000\n");
        CliRun r = CliRun.run("flops", "--model", spec.toString(), "--seq-len", "128");
        assertEquals(ExitStatus.BAD_INPUT.code(), r.status());
        assertEquals("flopwatch: " + spec + ":5:1: vocab_szie: unknown key", r.err().lines().findFirst().orElseThrow()
                .replaceAll(" \\(expected.*", ""));
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.out().isEmpty());
    }

    @Test
    void aBadHfConfigIsOneLineAndExit3(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, "{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 4096\n}\n");
        CliRun r = CliRun.run("flops", "--model", dir.toString(), "--seq-len", "128");
        assertEquals(ExitStatus.BAD_INPUT.code(), r.status());
        assertTrue(r.err().startsWith("flopwatch: " + cfg + ":1:1: "), r.err());
        assertTrue(r.err().contains("num_hidden_layers"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void anUnknownModelIsExit3() {
        CliRun r = CliRun.run("flops", "--model", "no-such-model", "--seq-len", "128");
        assertEquals(ExitStatus.BAD_INPUT.code(), r.status());
        assertTrue(r.err().contains("neither a preset"), r.err());
    }

    @Test
    void mfuReproducesPalmTable3() {
        // PaLM Table 3: 540B, 238.3K tokens/s on 6144 TPU v4 chips at 275 TFLOP/s: MFU 46.2%.
        CliRun r = CliRun.run("mfu", "--model", "palm-540b", "--seq-len", "2048", "--tokens-per-second", "238.3e3",
                "--gpus", "6144", "--peak-flops", "275e12", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertEquals(0.462, j.get("mfu").asDouble(), 0.0005);
        assertEquals(275e12, j.get("peak_flops_per_gpu").asDouble());
        assertEquals(0.462 * 275e12, j.get("achieved_flops_per_gpu").asDouble(), 0.0005 * 275e12);
        assertEquals(j.get("mfu").asDouble(), j.get("hfu").asDouble());
    }

    @Test
    void mfuOnACatalogGpuWithRecomputationAndClock() {
        CliRun r = CliRun.run("mfu", "--model", "llama-3-70b", "--seq-len", "8192", "--tokens-per-second", "100000",
                "--gpus", "256", "--gpu", "NVIDIA H100 80GB HBM3", "--dtype", "bf16", "--recompute", "selective",
                "--sm-clock-mhz", "1500", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertEquals("h100-sxm", j.get("gpu").asText());
        assertEquals(989.5e12, j.get("peak_flops_per_gpu").asDouble(), 1);
        assertTrue(j.get("hfu").asDouble() > j.get("mfu").asDouble());
        assertEquals(j.get("mfu").asDouble() * 1830 / 1500, j.get("mfu_at_clock").asDouble(), 1e-12);
    }

    @Test
    void mfuNeedsExactlyOnePeakSource() {
        CliRun r = CliRun.run("mfu", "--model", "gpt2", "--seq-len", "1024", "--tokens-per-second", "1");
        assertEquals(ExitStatus.USAGE.code(), r.status());
        CliRun unknown = CliRun.run("mfu", "--model", "gpt2", "--seq-len", "1024", "--tokens-per-second", "1", "--gpu", "tpu-v9");
        assertEquals(ExitStatus.BAD_INPUT.code(), unknown.status());
        assertTrue(unknown.err().startsWith("flopwatch: --gpu: unknown GPU 'tpu-v9'"), unknown.err());
    }

    @Test
    void rooflineChecksTheSemiAnalysisClaimInOneCommand() {
        CliRun r = CliRun.run("roofline", "--params", "1e12", "--gpu", "h100-sxm", "--gpus", "8", "--weight-bytes", "1",
                "--batch", "1", "--context", "2048", "--tokens-per-second", "20", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertEquals(26.8, j.get("attainable_tokens_per_second").asDouble(), 1e-9);
        assertTrue(j.get("attainable_tokens_per_second").asDouble() < 33.33);
        assertTrue(j.get("mfu_at_requested").asDouble() < 0.05);
        assertFalse(j.get("fits_in_memory").asBoolean());
        assertEquals("memory_bandwidth", j.get("bound").asText());
        assertEquals(3.35e12, j.get("memory_bandwidth_bytes_per_second").asDouble());
        // Catalog tdp_watts for h100-sxm: 700 W (NVIDIA H100 datasheet, SXM "up to 700 W").
        assertEquals(700.0, j.get("power_limit_watts_per_gpu").asDouble());
        assertTrue(j.get("power_limit_source").asText().contains("H100"), j.toString());
        assertEquals(8 * 700 / 26.8, j.get("joules_per_token_at_attainable").asDouble(), 1e-9);
        assertEquals(8 * 700 / 20.0, j.get("joules_per_token_at_requested").asDouble(), 1e-9);
    }

    @Test
    void rooflineEnergyWithAnExplicitLimitOrWithoutATdp() {
        CliRun capped = CliRun.run("roofline", "--params", "1e12", "--gpu", "h100-sxm", "--gpus", "8",
                "--weight-bytes", "1", "--context", "2048", "--power-limit-watts", "500", "--json");
        assertEquals(0, capped.status(), capped.err());
        assertEquals(8 * 500 / 26.8, capped.json().get("joules_per_token_at_attainable").asDouble(), 1e-9);
        assertEquals("--power-limit-watts", capped.json().get("power_limit_source").asText());
        assertTrue(capped.json().get("joules_per_token_at_requested").isNull());

        // The catalog has no per-GPU board power for GH200 (the module's figure includes the CPU).
        CliRun none = CliRun.run("roofline", "--params", "8e9", "--gpu", "gh200", "--context", "1024", "--json");
        assertEquals(0, none.status(), none.err());
        assertTrue(none.json().get("joules_per_token_at_attainable").isNull());
        assertTrue(none.json().get("notes").toString().contains("--power-limit-watts"), none.out());

        CliRun table = CliRun.run("roofline", "--params", "8e9", "--gpu", "l4", "--context", "1024");
        assertTrue(table.out().contains("energy at the power limit (72 W x 1)"), table.out());

        CliRun bad = CliRun.run("roofline", "--params", "8e9", "--gpu", "l4", "--context", "1024",
                "--power-limit-watts", "0");
        assertEquals(ExitStatus.USAGE.code(), bad.status());
    }

    @Test
    void rooflineTable() {
        CliRun r = CliRun.run("roofline", "--model", "llama-3-70b", "--gpu", "h200", "--gpus", "4", "--batch", "32",
                "--context", "8192");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("attainable"), r.out());
        assertTrue(r.out().contains("fits"), r.out());
    }
}
