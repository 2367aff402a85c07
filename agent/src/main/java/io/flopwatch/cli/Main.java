package io.flopwatch.cli;

import io.flopwatch.config.InputError;
import io.flopwatch.nvml.NvmlUnavailableException;
import java.io.PrintWriter;
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
        description = "Live model FLOPs utilization (MFU) and bottleneck diagnosis for GPU nodes.",
        subcommands = {RunCommand.class, DemoCommand.class, SnapshotCommand.class, TopCommand.class, DoctorCommand.class,
            FlopsCommand.class, MfuCommand.class, RooflineCommand.class, CuptiCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line; used by {@link #main} and by tests that capture the output. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::handleExecutionException);
        // picocli's own usage errors already exit with 2 (ExitStatus.USAGE).
        return cli;
    }

    private static int handleExecutionException(Exception ex, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
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
