package io.flopwatch.flops;

/**
 * Parameter counts of a model.
 *
 * @param total           every parameter stored (all experts, embeddings, norms, biases)
 * @param activated       parameters one token touches: the total less the routed experts it does
 *                        not use (equals {@code total} for a dense model)
 * @param matmulTotal     weights of all matrix multiplications, all experts, the output
 *                        projection once even when tied (no lookups, norms or biases)
 * @param matmul          N of DESIGN.md: matmul weights one token uses (activated, for MoE)
 * @param embedding       input embedding and learned position rows (lookups, not matmuls)
 * @param unembedding     the output projection V·d (part of {@code matmul})
 */
public record ParameterCounts(long total, long activated, long matmulTotal, long matmul, long embedding,
                              long unembedding) {

    /** Parameters outside the input and output embeddings, as Kaplan et al. 2020 count N. */
    public long nonEmbeddingMatmul() {
        return matmul - unembedding;
    }
}
