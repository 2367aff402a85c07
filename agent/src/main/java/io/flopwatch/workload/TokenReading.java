package io.flopwatch.workload;

/**
 * How a source states its token count; {@link TokenRate} turns each kind into tokens per second.
 */
public enum TokenReading {
    /** A rate the workload computed itself, in tokens per second (vLLM's "Avg generation throughput"). */
    RATE,
    /** Tokens processed since the previous observation of the same stream (SGLang's "#new-token"). */
    DELTA,
    /**
     * A running total since the workload started (a Prometheus counter, Hugging Face's
     * {@code num_input_tokens_seen}); a drop means the workload restarted.
     */
    CUMULATIVE
}
