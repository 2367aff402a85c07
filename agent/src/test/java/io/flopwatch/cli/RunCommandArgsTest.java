package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code flopwatch run} parsed without picocli (RunCommand.simpleInvocation, the daemon's
 * start-up path) means what picocli makes of the same arguments; whatever the short path does
 * not take, picocli still parses (and reports), so its errors and help are unchanged.
 */
class RunCommandArgsTest {

    @ParameterizedTest(name = "taken: {0}")
    @ValueSource(strings = {
        "run",
        "run --config /etc/flopwatch/flopwatch.yaml",
        "run --config=/etc/flopwatch/flopwatch.yaml",
        "run --duration 4",
        "run --duration=2.5",
        "run --config x.yaml --duration 10",
        "run --duration 0.5 --config=x.yaml",
        "run --config config/with=sign.yaml",
    })
    void takenInvocationsMeanWhatPicocliReads(String line) {
        String[] args = line.split(" ");
        Optional<RunCommand> fast = RunCommand.simpleInvocation(args);
        assertTrue(fast.isPresent(), line);

        RunCommand parsed = new RunCommand();
        new CommandLine(parsed).parseArgs(Arrays.copyOfRange(args, 1, args.length));
        assertEquals(parsed.config, fast.get().config, "--config of " + line);
        assertEquals(parsed.durationSeconds, fast.get().durationSeconds, "--duration of " + line);
    }

    @ParameterizedTest(name = "left to picocli: {0}")
    @ValueSource(strings = {
        "demo",                                   // another command
        "--version",
        "run --help",
        "run -h",
        "run --version",
        "run --config",                           // a missing value: picocli says so
        "run --config a.yaml --config b.yaml",    // repeated: picocli refuses it
        "run --duration 1 --duration 2",
        "run --frobnicate 1",                     // unknown option
        "run extra",                              // a positional run does not take
        "run --config -x.yaml",                   // could be an option to picocli
        "run --config @args.txt",                 // picocli's argument files
        "run @args.txt",
        "run -- --config x.yaml",
        "run --duration 1e3",                     // not a plain decimal
        "run --duration -1",
        "run --duration ten",
        "run --config=",
    })
    void everythingElseGoesToPicocli(String line) {
        assertEquals(Optional.empty(), RunCommand.simpleInvocation(line.split(" ")), line);
    }

    @ParameterizedTest(name = "same error either way: {0}")
    @ValueSource(strings = {"run --config /nonexistent/flopwatch.yaml"})
    void aBadConfigIsTheSameOneLineError(String line) {
        CliRun r = CliRun.run(line.split(" "));
        assertEquals(ExitStatus.BAD_INPUT.code(), r.status(), r.err());
        assertTrue(r.err().startsWith("flopwatch: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
