package io.flopwatch.cli;

import io.flopwatch.config.InputError;
import io.flopwatch.nvml.NvmlUnavailableException;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code flopwatch} command line. Each subcommand is its own class in this package; this
 * class only wires them together and turns the errors a user can cause into one line and a
 * documented {@link ExitStatus}, keeping stack traces for bugs.
 */
@Command(
        name = "flopwatch",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Live model FLOPs utilization (MFU) and bottleneck diagnosis for GPU nodes.")
public final class Main implements Runnable {

    /**
     * The subcommands by name, in the order the usage lists them. They are added in code rather
     * than by {@code @Command(subcommands = …)}: picocli reflects over every class it is given,
     * and {@code flopwatch run} (the daemon) need not pay for the other eight at every start
     * ({@link #commandLine(String...)}; docs/BENCHMARKS.md, section 5). MainTest checks each
     * name against the class's own {@code @Command(name)}.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("run", RunCommand.class);
        m.put("demo", DemoCommand.class);
        m.put("snapshot", SnapshotCommand.class);
        m.put("top", TopCommand.class);
        m.put("doctor", DoctorCommand.class);
        m.put("flops", FlopsCommand.class);
        m.put("mfu", MfuCommand.class);
        m.put("roofline", RooflineCommand.class);
        m.put("cupti", CuptiCommand.class);
        m.put("help", CommandLine.HelpCommand.class);
        return Collections.unmodifiableMap(m);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("run") || args[0].equals("demo"))) {
            warmUpInBackground();
        }
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Two pieces of the daemon's start that need nothing from the main thread run beside it
     * (docs/BENCHMARKS.md, section 5): the JDK's locale data, which the first Jackson mapper
     * (reading the configuration) needs for its RFC 1123 date format, {@code new
     * SimpleDateFormat(…, Locale.US)}, and which takes the JDK a tenth of a second or more to
     * load (CLDR, calendars, time zones); then logback (its classes, a ServiceLoader scan of
     * the jar), first used once the agent is built. Both are thread-safe to initialise
     * concurrently: the JDK's locale providers by design, SLF4J by replaying whatever a logger
     * asked for meanwhile logs once logback is ready.
     */
    private static void warmUpInBackground() {
        Thread t = new Thread(() -> {
            new java.text.SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss zzz", java.util.Locale.US);
            org.slf4j.LoggerFactory.getILoggerFactory();
        }, "flopwatch-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** Runs one command line; used by {@link #main} and by tests that capture the output. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        Optional<RunCommand> run = RunCommand.simpleInvocation(args);
        if (run.isPresent()) {
            // The daemon's own start, without building picocli's model (RunCommand.simpleInvocation).
            try {
                return run.get().call(out);
            } catch (Exception e) {
                return handleExecutionException(e, err);
            }
        }
        CommandLine cli = commandLine(args);
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    /**
     * The command line for {@code args}: when the first argument names a subcommand (other than
     * {@code help}, which lists its siblings), only that one is registered, since picocli parses
     * nothing of the others for it; otherwise (no subcommand, a root option, a typo that deserves
     * suggestions, {@code help}) all of them.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        String first = args.length > 0 ? args[0] : "";
        if (SUBCOMMANDS.containsKey(first) && !first.equals("help")) {
            cli.addSubcommand(first, SUBCOMMANDS.get(first));
        } else {
            SUBCOMMANDS.forEach(cli::addSubcommand);
        }
        cli.setExecutionExceptionHandler(Main::handleExecutionException);
        // picocli's own usage errors already exit with 2 (ExitStatus.USAGE).
        return cli;
    }

    private static int handleExecutionException(Exception ex, CommandLine cli, CommandLine.ParseResult parsed) {
        return handleExecutionException(ex, cli.getErr());
    }

    private static int handleExecutionException(Exception ex, PrintWriter err) {
        if (ex instanceof InputError) {
            err.println("flopwatch: " + ex.getMessage());
            return ExitStatus.BAD_INPUT.code();
        }
        if (ex instanceof NvmlUnavailableException) {
            err.println("flopwatch: " + ex.getMessage());
            return ExitStatus.NVML_UNAVAILABLE.code();
        }
        err.println("flopwatch: internal error (a bug; please report it with this trace):");
        ex.printStackTrace(err);
        return ExitStatus.SOFTWARE.code();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
