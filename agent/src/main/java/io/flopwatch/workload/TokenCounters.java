package io.flopwatch.workload;

import java.util.Objects;
import java.util.Optional;

/**
 * Which counters of an inference server's metrics endpoint count prompt (prefill) and generated
 * (decode) tokens, as exposed on the wire (Prometheus' {@code _total} suffix included).
 *
 * @param promptTokens     counter of prompt tokens, or empty when the server has none
 * @param generationTokens counter of generated tokens, or empty when the server has none
 */
public record TokenCounters(Optional<String> promptTokens, Optional<String> generationTokens) {

    /**
     * vLLM, {@code vllm/v1/metrics/loggers.py} ({@code PrometheusStatLogger}; read at commit 005a810b,
     * vLLM 0.10 series): counters
     * {@code vllm:prompt_tokens} and {@code vllm:generation_tokens} ("Number of prefill / generation
     * tokens processed"), exposed by prometheus_client with the {@code _total} suffix, one series
     * per {@code engine} and {@code model_name} label pair.
     */
    public static final TokenCounters VLLM = of("vllm:prompt_tokens_total", "vllm:generation_tokens_total");

    /**
     * SGLang, {@code python/sglang/srt/metrics/collector.py}
     * (2024–2025 sources): counters {@code sglang:prompt_tokens_total} and
     * {@code sglang:generation_tokens_total} ("Number of prefill / generation tokens processed").
     */
    public static final TokenCounters SGLANG = of("sglang:prompt_tokens_total", "sglang:generation_tokens_total");

    /**
     * Hugging Face text-generation-inference, {@code router/src/validation.rs} and
     * {@code router/src/server.rs} (TGI 2.x): histograms {@code tgi_request_input_length} (recorded
     * once per request when it is validated) and {@code tgi_request_generated_tokens} (recorded
     * when a request finishes); their {@code _sum} series are running token totals. TGI has no
     * per-iteration token counter, so these move in steps of whole requests: long generations
     * show up when they end. Use a window of several request durations.
     */
    public static final TokenCounters TGI = of("tgi_request_input_length_sum", "tgi_request_generated_tokens_sum");

    public TokenCounters {
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(generationTokens, "generationTokens");
        if (promptTokens.isEmpty() && generationTokens.isEmpty()) {
            throw new IllegalArgumentException("at least one counter is needed");
        }
    }

    /** Custom counter names; null for one the server does not have. */
    public static TokenCounters of(String promptTokens, String generationTokens) {
        return new TokenCounters(Optional.ofNullable(promptTokens), Optional.ofNullable(generationTokens));
    }
}
