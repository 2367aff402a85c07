package io.flopwatch.flops;

import java.util.List;

/**
 * The FLOPs per token of one model under one workload.
 *
 * @param forwardFlopsPerToken  one forward pass, per token, by the chosen formula
 * @param modelFlopsPerToken    model FLOPs for the mode (3 × forward when training): MFU's numerator
 * @param hardwareFlopsPerToken FLOPs executed including activation recomputation: HFU's numerator
 * @param components            the detailed per-component breakdown (always by {@link Formula#DETAILED})
 * @param notes                 caveats worth printing (approximations, formula assumptions)
 */
public record FlopsEstimate(ModelSpec spec, Workload workload, ParameterCounts params,
                            double forwardFlopsPerToken, double modelFlopsPerToken,
                            double hardwareFlopsPerToken, List<Component> components, List<String> notes) {

    /**
     * One row of the breakdown.
     *
     * @param forwardFlopsPerToken FLOPs of this operation in one forward pass, summed over layers
     * @param flopsPerToken        the same in the workload's mode (× 3 when training)
     */
    public record Component(String name, double forwardFlopsPerToken, double flopsPerToken) {
    }

    public FlopsEstimate {
        components = List.copyOf(components);
        notes = List.copyOf(notes);
    }
}
