package io.flopwatch.workload;

/**
 * This node's share of a throughput reading, given whose work the reading counts.
 *
 * <p>MFU on a node divides the model FLOP/s of the tokens <em>this node</em> processed by the peak
 * of <em>this node's</em> GPUs (PaLM, Chowdhery et al. 2022, appendix B: MFU = model FLOPs/token ×
 * tokens/s ÷ Σ peak FLOP/s of the GPUs used). A reading for the whole job or for one GPU therefore
 * has to be brought to the node first:
 *
 * <pre>
 *   JOB:  node tokens/s = job tokens/s × nodeGpus / jobGpus
 *   NODE: node tokens/s = node tokens/s
 *   GPU:  node tokens/s = per-GPU tokens/s × nodeGpus
 * </pre>
 *
 * The JOB and GPU rows assume the work is spread evenly over the GPUs, which holds for data,
 * tensor and pipeline parallelism with equal shards (every GPU of a step-synchronous job does the
 * same share of each step). Uneven layouts (heterogeneous nodes, a node running only part of a
 * pipeline with different stage sizes) need a NODE-scoped reading from that node itself.
 */
public final class ScopeMapping {
    private ScopeMapping() {
    }

    /**
     * @param tokensPerSecond the reading, in its own scope
     * @param scope           whose work the reading counts
     * @param jobGpus         GPUs of the whole job (its world size), at least {@code nodeGpus}
     * @param nodeGpus        GPUs of the job on this node, at least 1
     * @return this node's tokens per second
     * @throws IllegalArgumentException if the GPU counts are not 1 ≤ nodeGpus ≤ jobGpus, or the
     *                                  reading is negative or not finite
     */
    public static double nodeTokensPerSecond(double tokensPerSecond, ThroughputScope scope, int jobGpus, int nodeGpus) {
        if (nodeGpus < 1 || jobGpus < nodeGpus) {
            throw new IllegalArgumentException(
                    "need 1 <= nodeGpus <= jobGpus, got nodeGpus=" + nodeGpus + ", jobGpus=" + jobGpus);
        }
        if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
            throw new IllegalArgumentException("tokens per second must be finite and >= 0: " + tokensPerSecond);
        }
        return switch (scope) {
            case JOB -> tokensPerSecond * nodeGpus / jobGpus;
            case NODE -> tokensPerSecond;
            case GPU -> tokensPerSecond * nodeGpus;
        };
    }
}
