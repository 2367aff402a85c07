package io.flopwatch.cupti;

/**
 * A CUPTI (or CUDA driver) call failed. Carries the function, the {@code CUptiResult} code,
 * CUPTI's own message ({@code cuptiGetResultString}) and the {@link CuptiCondition} it stands
 * for, whose advice says what a user can do. Code -1: the library could not be loaded.
 */
public class CuptiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int resultCode;
    private final String resultString;
    private final CuptiCondition condition;

    public CuptiException(String function, int resultCode, String resultString, CuptiCondition condition) {
        super(function + ": " + resultString + " (" + resultCode + ")"
                + (condition == CuptiCondition.OTHER ? "" : ": " + condition.advice()));
        this.function = function;
        this.resultCode = resultCode;
        this.resultString = resultString;
        this.condition = condition;
    }

    /** From a CUPTI return code, classified by {@link CuptiCondition#of}. */
    public static CuptiException of(String function, int resultCode, String resultString) {
        return new CuptiException(function, resultCode, resultString, CuptiCondition.of(function, resultCode));
    }

    /** The C function that failed, e.g. {@code cuptiProfilerHostConfigAddMetrics}. */
    public String function() {
        return function;
    }

    /** The {@code CUptiResult} (or {@code CUresult} for cu* functions); -1 when nothing could be loaded. */
    public int resultCode() {
        return resultCode;
    }

    /** CUPTI's message for the code, e.g. {@code CUPTI_ERROR_INVALID_METRIC_NAME}. */
    public String resultString() {
        return resultString;
    }

    public CuptiCondition condition() {
        return condition;
    }
}
