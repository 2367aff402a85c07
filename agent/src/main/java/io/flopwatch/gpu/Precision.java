package io.flopwatch.gpu;

import java.util.Locale;
import java.util.Optional;

/**
 * The number formats a GPU datasheet quotes a peak for. Tensor-core formats are dense peaks
 * (2:4 structured sparsity would double them; flopwatch never uses sparse peaks).
 */
public enum Precision {
    FP64("fp64", 8),
    FP64_TENSOR("fp64_tensor", 8),
    FP32("fp32", 4),
    TF32("tf32", 4),
    BF16("bf16", 2),
    FP16("fp16", 2),
    FP8("fp8", 1),
    INT8("int8", 1),
    FP4("fp4", 0.5);

    private final String key;
    private final double bytesPerElement;

    Precision(String key, double bytesPerElement) {
        this.key = key;
        this.bytesPerElement = bytesPerElement;
    }

    /** The key used in gpus.yaml and on the command line ({@code --dtype bf16}). */
    public String key() {
        return key;
    }

    /**
     * Whether the datasheet peak for this precision is a tensor-core matrix peak, computed at the
     * part's tensor clock (on H100 SXM 1830 MHz, while vector fp32/fp64 peaks use the 1980 MHz
     * boost clock: NVIDIA H100 whitepaper, Table 3).
     */
    public boolean usesTensorClock() {
        return this == TF32 || this == BF16 || this == FP16 || this == FP8 || this == INT8 || this == FP4;
    }

    /** Storage size of one value: the default weight and KV-cache width for this precision. */
    public double bytesPerElement() {
        return bytesPerElement;
    }

    public static Optional<Precision> fromKey(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Precision p : values()) {
            if (p.key.equals(k)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
