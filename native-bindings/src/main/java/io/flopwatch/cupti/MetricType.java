package io.flopwatch.cupti;

/** {@code CUpti_MetricType}: the three kinds of base metric the host API lists. */
public enum MetricType {
    COUNTER, RATIO, THROUGHPUT;

    /** The C enum value. */
    public int code() {
        return ordinal();
    }
}
