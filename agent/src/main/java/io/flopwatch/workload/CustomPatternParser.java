package io.flopwatch.workload;

import io.flopwatch.config.InputError;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A user's own log format: a Java regular expression whose named groups say where the numbers
 * are. Group names are written in snake case as in the docs ({@code (?<tokens_per_second>...)});
 * Java does not allow {@code _} in group names, so they are rewritten to camel case before
 * compiling (camel case is accepted as written too). Throughput groups, first match wins:
 * <ol>
 *   <li>{@code tokens_per_second}: a rate;</li>
 *   <li>{@code tokens}: a cumulative token count;</li>
 *   <li>{@code step_time_seconds}: seconds per step, with {@code tokensPerStep} → tokensPerStep ÷ time;</li>
 *   <li>{@code samples_per_second}: with {@code sequenceLength} → samples/s × sequence length;</li>
 *   <li>{@code step}: alone, with {@code tokensPerStep} → cumulative step × tokensPerStep.</li>
 * </ol>
 * Optional groups: {@code step} (also recorded as the step), {@code mfu_percent} (self-reported
 * MFU in percent) and {@code tflops_per_gpu}. The pattern is searched anywhere in the line
 * ({@link Matcher#find()}). Every mistake is found at construction and reported as an
 * {@link InputError} naming the configuration field.
 */
public final class CustomPatternParser implements LineParser {
    static final List<String> THROUGHPUT_GROUPS =
            List.of("tokens_per_second", "tokens", "step_time_seconds", "samples_per_second", "step");
    static final List<String> OPTIONAL_GROUPS = List.of("mfu_percent", "tflops_per_gpu");
    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([A-Za-z][A-Za-z0-9_]*)>|\\\\k<([A-Za-z][A-Za-z0-9_]*)>");

    private final Pattern pattern;
    /** The pattern's matcher, reset per line (a parser follows one stream, in line order). */
    private final Matcher matcher;
    /** Each group of the pattern, or null when the pattern lacks it (then it is not looked up). */
    private final Group stepGroup;
    private final Group tokensPerSecondGroup;
    private final Group tokensGroup;
    private final Group stepTimeGroup;
    private final Group samplesPerSecondGroup;
    private final Group mfuGroup;
    private final Group tflopsGroup;

    /**
     * A named group: Java's (camel case) name and, when {@link #groupNumbers} is certain of it, its
     * number (0 otherwise), which {@link Matcher#start(int)} takes without the two map lookups that
     * {@link Matcher#start(String)} makes on every call.
     */
    private record Group(String name, int number) {
    }
    /** Text every match starts with, or "" when none is known (see {@link #requiredPrefix}). */
    private final String prefix;
    private final WorkloadPhase phase;
    private final ThroughputScope scope;
    private final ParserSettings settings;

    /**
     * @param regex    the user's pattern
     * @param phase    what the tokens are used for
     * @param scope    whose work the numbers count
     * @param settings tokens per step or sequence length, where the groups need them
     * @param source   the configuration file, for the error
     * @param field    the pattern's field in it, e.g. {@code workloads[0].log.pattern}
     * @throws InputError when the pattern does not compile, has none of the throughput groups, or
     *                    needs a setting that is missing
     */
    public CustomPatternParser(String regex, WorkloadPhase phase, ThroughputScope scope, ParserSettings settings,
                               String source, String field) {
        Objects.requireNonNull(regex, "regex");
        this.phase = Objects.requireNonNull(phase, "phase");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.settings = Objects.requireNonNull(settings, "settings");
        Set<String> found = new LinkedHashSet<>();
        StringBuilder rewritten = new StringBuilder();
        Matcher g = GROUP_NAME.matcher(regex);
        while (g.find()) {
            boolean definition = g.group(1) != null;
            String snake = snake(definition ? g.group(1) : g.group(2));
            if (definition) {
                found.add(snake);
            }
            String java = camel(snake);
            g.appendReplacement(rewritten, Matcher.quoteReplacement(definition ? "(?<" + java + ">" : "\\k<" + java + ">"));
        }
        g.appendTail(rewritten);
        try {
            this.pattern = Pattern.compile(rewritten.toString());
        } catch (PatternSyntaxException e) {
            throw new InputError(source, 0, 0, field,
                    "not a valid Java regular expression: " + e.getDescription() + " near index " + e.getIndex());
        }
        if (THROUGHPUT_GROUPS.stream().noneMatch(found::contains)) {
            throw new InputError(source, 0, 0, field,
                    "the pattern needs one of the named groups " + THROUGHPUT_GROUPS + "; it has " + found);
        }
        java.util.Map<String, Integer> numbers = groupNumbers(rewritten.toString(), pattern.matcher("").groupCount());
        this.stepGroup = javaName(found, "step", numbers);
        this.tokensPerSecondGroup = javaName(found, "tokens_per_second", numbers);
        this.tokensGroup = javaName(found, "tokens", numbers);
        this.stepTimeGroup = javaName(found, "step_time_seconds", numbers);
        this.samplesPerSecondGroup = javaName(found, "samples_per_second", numbers);
        this.mfuGroup = javaName(found, "mfu_percent", numbers);
        this.tflopsGroup = javaName(found, "tflops_per_gpu", numbers);
        this.matcher = pattern.matcher("");
        this.prefix = requiredPrefix(rewritten.toString());
        boolean direct = found.contains("tokens_per_second") || found.contains("tokens");
        boolean perStep = (found.contains("step_time_seconds") || found.contains("step"))
                && settings.tokensPerStep().isPresent();
        boolean perSample = found.contains("samples_per_second") && settings.sequenceLength().isPresent();
        if (!direct && !perStep && !perSample) {
            throw new InputError(source, 0, 0, field, "the pattern's groups " + found + " give no token count"
                    + " without more settings: step_time_seconds and step need tokens_per_step,"
                    + " samples_per_second needs sequence_length");
        }
    }

    private static String snake(String name) {
        // accept camel case as written: tokensPerSecond → tokens_per_second
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static String camel(String snake) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    /**
     * Literal text that starts every match of {@code regex}, so that a line without it can be
     * passed over before the regular expression runs; "" when that is not certain. Only the
     * simplest case is taken: the pattern begins with letters, digits, spaces or
     * {@code _=:,;/#@<>'"-} (characters that are literal wherever they stand outside a
     * class), the last of them dropped when a quantifier follows it, and the pattern has no
     * {@code |} anywhere (an alternation could make the prefix optional).
     */
    static String requiredPrefix(String regex) {
        if (regex.indexOf('|') >= 0) {
            return "";
        }
        int i = 0;
        while (i < regex.length() && literal(regex.charAt(i))) {
            i++;
        }
        if (i < regex.length() && "*+?{".indexOf(regex.charAt(i)) >= 0) {
            i = Math.max(0, i - 1); // "ab*": the b may be absent
        }
        return regex.substring(0, i);
    }

    private static boolean literal(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || " _=:,;/#@<>'\"-".indexOf(c) >= 0;
    }

    private static Group javaName(Set<String> found, String snake, java.util.Map<String, Integer> numbers) {
        if (!found.contains(snake)) {
            return null;
        }
        String name = camel(snake);
        return new Group(name, numbers == null ? 0 : numbers.getOrDefault(name, 0));
    }

    /**
     * The number of each named group, counting the capturing groups' opening parentheses in the
     * pattern's text as java.util.regex numbers them; null when that count could be wrong. It
     * steps over escapes ({@code \x}) and character classes (nested, with a {@code ]} first in a
     * class taken literally, as java.util.regex does), and gives up on {@code \Q} quoting, on
     * comments mode ({@code (?x)}, where {@code #} starts a comment) and on a parenthesis inside a
     * class. Every remaining way to miscount only adds groups, so the count is checked against
     * {@link Matcher#groupCount()}: when they differ the names are used.
     */
    static java.util.Map<String, Integer> groupNumbers(String regex, int groupCount) {
        if (regex.contains("\\Q") || Pattern.compile("\\(\\?[a-zA-Z-]*x").matcher(regex).find()) {
            return null;
        }
        java.util.Map<String, Integer> numbers = new java.util.HashMap<>();
        int count = 0;
        int depth = 0; // of character classes
        int n = regex.length();
        for (int i = 0; i < n; i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++; // the escaped character
            } else if (c == '[') {
                depth++;
                if (i + 1 < n && regex.charAt(i + 1) == '^') {
                    i++;
                }
                if (i + 1 < n && regex.charAt(i + 1) == ']') {
                    i++; // first in the class: a literal ]
                }
            } else if (depth > 0) {
                if (c == ']') {
                    depth--;
                } else if (c == '(' || c == ')') {
                    return null;
                }
            } else if (c == '(') {
                if (i + 1 < n && regex.charAt(i + 1) != '?') {
                    count++;
                } else if (regex.startsWith("(?<", i) && i + 3 < n && Character.isLetter(regex.charAt(i + 3))) {
                    count++;
                    int close = regex.indexOf('>', i + 3);
                    if (close < 0) {
                        return null;
                    }
                    numbers.put(regex.substring(i + 3, close), count);
                }
            }
        }
        return count == groupCount ? numbers : null;
    }

    private OptionalDouble group(Matcher m, Group g) {
        if (g == null) {
            return OptionalDouble.empty();
        }
        int from = g.number() > 0 ? m.start(g.number()) : m.start(g.name());
        if (from < 0) {
            return OptionalDouble.empty(); // the group took no part in the match
        }
        if (lineBytes != null) {
            // Numbers.parse's fast path on the line's bytes, without a substring; anything it does not
            // take (a byte outside its plain decimals, such as the '?' of a character beyond Latin-1)
            // goes the general way on the group's text.
            double v = Numbers.simpleDecimal(lineBytes, from, g.number() > 0 ? m.end(g.number()) : m.end(g.name()));
            if (v == v) {
                return OptionalDouble.of(v);
            }
        }
        return Numbers.parse(m.group(g.name()));
    }

    /** The matched line's Latin-1 bytes, one per character, or null when they are not (surrogate pairs). */
    private byte[] lineBytes;

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (!line.contains(prefix)) {
            return List.of(); // no match can start without it
        }
        Matcher m = matcher.reset(line);
        if (!m.find()) {
            return List.of();
        }
        byte[] b = line.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        lineBytes = b.length == line.length() ? b : null;
        OptionalDouble step = group(m, stepGroup);
        ThroughputObservation o = tokens(m, step, nanoTime);
        if (o == null) {
            o = Parsers.noTokens(nanoTime, phase, scope);
        }
        if (step.isPresent() && step.getAsDouble() >= 0) {
            o = o.withStep((long) step.getAsDouble());
        }
        OptionalDouble mfu = group(m, mfuGroup);
        if (mfu.isPresent() && mfu.getAsDouble() >= 0) {
            o = o.withSelfReportedMfu(mfu.getAsDouble() / 100.0);
        }
        OptionalDouble tflops = group(m, tflopsGroup);
        if (tflops.isPresent() && tflops.getAsDouble() >= 0) {
            o = o.withSelfReportedTflopsPerGpu(tflops.getAsDouble());
        }
        return Parsers.informative(o) ? List.of(o) : List.of();
    }

    private ThroughputObservation tokens(Matcher m, OptionalDouble step, long nanoTime) {
        OptionalDouble v = group(m, tokensPerSecondGroup);
        if (v.isPresent()) {
            return of(nanoTime, TokenReading.RATE, v.getAsDouble());
        }
        v = group(m, tokensGroup);
        if (v.isPresent()) {
            return of(nanoTime, TokenReading.CUMULATIVE, v.getAsDouble());
        }
        v = group(m, stepTimeGroup);
        if (v.isPresent() && settings.tokensPerStep().isPresent()) {
            return v.getAsDouble() > 0
                    ? of(nanoTime, TokenReading.RATE, settings.tokensPerStep().getAsLong() / v.getAsDouble())
                    : null;
        }
        v = group(m, samplesPerSecondGroup);
        if (v.isPresent() && settings.sequenceLength().isPresent()) {
            return of(nanoTime, TokenReading.RATE, v.getAsDouble() * settings.sequenceLength().getAsLong());
        }
        if (step.isPresent() && settings.tokensPerStep().isPresent()) {
            return of(nanoTime, TokenReading.CUMULATIVE, step.getAsDouble() * settings.tokensPerStep().getAsLong());
        }
        return null;
    }

    private ThroughputObservation of(long nanoTime, TokenReading kind, double tokens) {
        if (!(tokens >= 0) || Double.isInfinite(tokens)) {
            return null;
        }
        return ThroughputObservation.of(nanoTime, phase, kind, tokens, scope);
    }
}
