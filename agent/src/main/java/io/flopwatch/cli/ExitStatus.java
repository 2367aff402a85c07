package io.flopwatch.cli;

/**
 * The process exit statuses of every flopwatch command. They are part of the user
 * interface (scripts and systemd act on them) and are documented in the README.
 */
public enum ExitStatus {
    /** The command did what it was asked. */
    OK(0),
    /** A bug in flopwatch: an unexpected exception, printed with its stack trace. */
    SOFTWARE(1),
    /** Bad command-line flags or arguments (picocli's usage error). */
    USAGE(2),
    /** A bad configuration file or model spec: the message names file, line and field. */
    BAD_INPUT(3),
    /** NVML cannot be used: library not found, driver not loaded, or no permission. */
    NVML_UNAVAILABLE(4),
    /** {@code doctor} found a problem that stops flopwatch from reading the GPUs fully. */
    DOCTOR_FOUND_PROBLEMS(5),
    /** {@code cupti pause|resume|status}: the running agent could not be reached or refused the request. */
    AGENT_UNREACHABLE(6);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
