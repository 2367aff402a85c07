package io.flopwatch.nvml;

/**
 * The simulated NVML library could not play its scenario file: a user's mistake in the file,
 * located by the simulator itself ({@code flopwatchSimLastError}: "file:line: problem").
 */
public final class SimulatorScenarioException extends NvmlException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String problem;

    public SimulatorScenarioException(int returnCode, String errorString, String file, int line, String problem) {
        super("nvmlInit_v2", returnCode, errorString,
                file + (line > 0 ? ":" + line : "") + ": " + problem, null);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    /**
     * Splits the simulator's "file:line: problem" message; a message without a line number
     * keeps the whole text as the problem.
     */
    public static SimulatorScenarioException parse(int returnCode, String errorString, String scenario, String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*?):(\\d+): (.*)$", java.util.regex.Pattern.DOTALL)
                .matcher(message);
        if (m.matches()) {
            return new SimulatorScenarioException(returnCode, errorString, m.group(1), Integer.parseInt(m.group(2)), m.group(3));
        }
        return new SimulatorScenarioException(returnCode, errorString, scenario, 0, message);
    }

    public String file() {
        return file;
    }

    /** 1-based line, 0 when the simulator named none. */
    public int line() {
        return line;
    }

    public String problem() {
        return problem;
    }
}
