package io.flopwatch.daemon;

import java.util.Objects;

/**
 * One result of {@code flopwatch doctor}: what was checked, what was found, and what to do
 * about it when it is not fine.
 *
 * @param check  short name of the check, e.g. "NVIDIA driver"
 * @param level  how much it matters
 * @param detail what was found, with the numbers or paths involved
 * @param advice what to do; empty when nothing needs doing
 */
public record Finding(String check, Level level, String detail, String advice) {

    /** Severity, in increasing order. */
    public enum Level {
        /** Works as it should. */
        OK,
        /** Informational, e.g. a version. */
        INFO,
        /** flopwatch works, but some readings are missing (e.g. no GPM: no tensor activity). */
        WARN,
        /** flopwatch cannot read the GPUs (or cannot read them fully) until this is fixed. */
        PROBLEM
    }

    public Finding {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(detail, "detail");
        advice = advice == null ? "" : advice;
    }

    public static Finding ok(String check, String detail) {
        return new Finding(check, Level.OK, detail, "");
    }

    public static Finding info(String check, String detail) {
        return new Finding(check, Level.INFO, detail, "");
    }

    public static Finding warn(String check, String detail, String advice) {
        return new Finding(check, Level.WARN, detail, advice);
    }

    public static Finding problem(String check, String detail, String advice) {
        return new Finding(check, Level.PROBLEM, detail, advice);
    }
}
