package io.flopwatch.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A mistake in something the user wrote (a config file, a model spec, a catalog entry), located
 * precisely enough to fix without reading flopwatch's source: file, line, column and field.
 * The command line prints {@link #getMessage()} alone, without a stack trace, and exits with
 * {@code ExitStatus.BAD_INPUT}.
 */
public final class InputError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String field;
    private final String problem;
    /** Every error found when several were collected ({@link #all}); this one alone otherwise. */
    private final java.util.List<InputError> errors;

    /**
     * @param source file path, or a description such as "--model" for a flag's value
     * @param line   1-based line, or 0 when not known
     * @param column 1-based column, or 0 when not known
     * @param field  dotted path of the field (e.g. {@code workloads[0].model.hidden_size}),
     *               or null when the problem is with the whole input
     * @param problem what is wrong and, where possible, what is expected
     */
    public InputError(String source, int line, int column, String field, String problem) {
        super(format(source, line, column, field, problem));
        this.source = Objects.requireNonNull(source, "source");
        this.line = line;
        this.column = column;
        this.field = field;
        this.problem = Objects.requireNonNull(problem, "problem");
        this.errors = java.util.List.of(this);
    }

    private InputError(java.util.List<InputError> errors) {
        super(String.join("\n", errors.stream().map(Throwable::getMessage).toList()));
        InputError first = errors.get(0);
        this.source = first.source;
        this.line = first.line;
        this.column = first.column;
        this.field = first.field;
        this.problem = first.problem;
        this.errors = java.util.List.copyOf(errors);
    }

    /**
     * Several errors of one input as one: its message has one line per error, in the order of
     * their place in the file; its location fields are the first error's.
     */
    public static InputError all(java.util.List<InputError> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("no errors");
        }
        java.util.List<InputError> flat = new java.util.ArrayList<>();
        errors.forEach(e -> flat.addAll(e.errors));
        flat.sort(java.util.Comparator.comparingInt((InputError e) -> e.line == 0 ? Integer.MAX_VALUE : e.line)
                .thenComparingInt(e -> e.column));
        return flat.size() == 1 ? flat.get(0) : new InputError(flat);
    }

    /** Every error this stands for (one, unless made by {@link #all}). */
    public java.util.List<InputError> errors() {
        return errors;
    }

    /** One line: the first error, and how many more there are (for a status line). */
    public String summary() {
        return errors.size() == 1 ? getMessage()
                : errors.get(0).getMessage() + " (and " + (errors.size() - 1) + " more)";
    }

    public static InputError of(Path file, int line, int column, String field, String problem) {
        return new InputError(file.toString(), line, column, field, problem);
    }

    private static String format(String source, int line, int column, String field, String problem) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (field != null && !field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(problem).toString();
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
