package io.flopwatch.workload;

/**
 * Whose work a throughput reading counts. A framework decides this, not the user: torchtitan's
 * {@code tps} is per GPU, DeepSpeed's samples/s cover the whole job, a vLLM server's counters cover
 * the whole engine. {@link ScopeMapping} turns any of them into this node's share.
 */
public enum ThroughputScope {
    /** The whole job (every GPU on every node), e.g. nanoGPT's iteration time, Megatron-LM's global batch. */
    JOB,
    /** All the GPUs of one node. */
    NODE,
    /** One GPU (one rank), e.g. torchtitan's {@code tps}, Lightning's {@code device/items_per_sec}. */
    GPU
}
