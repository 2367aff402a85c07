package io.flopwatch.workload;

import java.util.Objects;
import java.util.Optional;

/**
 * Which histograms of an inference server's metrics page record the length of each request's
 * prompt and of its generated output, in tokens. Their {@code _sum} and {@code _count} series
 * give the mean prompt and output length over a window (Δsum ÷ Δcount), from which prefill and
 * decode FLOPs per token follow (docs/throughput.md, "Prefill and decode FLOPs from the server's
 * own averages").
 *
 * @param promptHistogram     base name of the prompt-length histogram, or empty
 * @param generationHistogram base name of the output-length histogram, or empty
 */
public record RequestLengths(Optional<String> promptHistogram, Optional<String> generationHistogram) {

    public static final RequestLengths NONE = new RequestLengths(Optional.empty(), Optional.empty());

    /**
     * vLLM, {@code vllm/v1/metrics/loggers.py} ({@code PrometheusStatLogger}): histograms
     * {@code vllm:request_prompt_tokens} ("Number of prefill tokens processed", observed once per
     * finished request) and {@code vllm:request_generation_tokens} ("Number of generation tokens
     * processed"), labelled like the token counters ({@code model_name}, {@code engine}).
     */
    public static final RequestLengths VLLM = of("vllm:request_prompt_tokens", "vllm:request_generation_tokens");

    /**
     * SGLang, {@code python/sglang/srt/metrics/collector.py} ({@code TokenizerMetricsCollector}):
     * {@code sglang:prompt_tokens_histogram} ("Histogram of prompt token length") and
     * {@code sglang:generation_tokens_histogram}, observed per finished request.
     */
    public static final RequestLengths SGLANG = of("sglang:prompt_tokens_histogram",
            "sglang:generation_tokens_histogram");

    /**
     * Text Generation Inference, {@code router/src/validation.rs} and {@code router/src/server.rs}:
     * {@code tgi_request_input_length} and {@code tgi_request_generated_tokens}, the same histograms
     * whose {@code _sum} series are its token counters ({@link TokenCounters#TGI}).
     */
    public static final RequestLengths TGI = of("tgi_request_input_length", "tgi_request_generated_tokens");

    public RequestLengths {
        Objects.requireNonNull(promptHistogram, "promptHistogram");
        Objects.requireNonNull(generationHistogram, "generationHistogram");
    }

    /** Histogram base names; null for one the server does not have. */
    public static RequestLengths of(String promptHistogram, String generationHistogram) {
        return new RequestLengths(Optional.ofNullable(promptHistogram), Optional.ofNullable(generationHistogram));
    }

    /** The preset of a known server ({@code vllm}, {@code sglang}, {@code tgi}); {@link #NONE} otherwise. */
    public static RequestLengths forServer(String server) {
        return switch (server) {
            case "vllm" -> VLLM;
            case "sglang" -> SGLANG;
            case "tgi" -> TGI;
            default -> NONE;
        };
    }
}
