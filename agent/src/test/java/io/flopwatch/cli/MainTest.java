package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Main registers subcommands lazily (only the one named first); the usage and dispatch stay the same. */
class MainTest {

    @Test
    void eachRegisteredNameIsTheCommandsOwnName() {
        for (Map.Entry<String, Class<?>> e : Main.SUBCOMMANDS.entrySet()) {
            assertEquals(e.getKey(), e.getValue().getAnnotation(Command.class).name(), e.getValue().getName());
        }
    }

    @ParameterizedTest(name = "{0} registers {1}")
    @CsvSource(delimiter = '|', value = {
        // the first argument names the subcommand: only it is parsed
        "run --config x.yaml | run",
        "flops --model llama-3-8b | flops",
        // help lists its siblings; root options, typos and no argument need all of them
        "help run            | run demo snapshot top doctor flops mfu roofline cupti help",
        "--version           | run demo snapshot top doctor flops mfu roofline cupti help",
        "rnu                 | run demo snapshot top doctor flops mfu roofline cupti help",
        "''                  | run demo snapshot top doctor flops mfu roofline cupti help",
    })
    void registersOnlyTheNamedSubcommand(String args, String registered) {
        String[] argv = args.isEmpty() ? new String[0] : args.split(" ");
        CommandLine cli = Main.commandLine(argv);
        assertEquals(List.of(registered.split(" ")), List.copyOf(cli.getSubcommands().keySet()));
    }

    @Test
    void theRootUsageStillListsEverySubcommand() {
        CliRun r = CliRun.run("--help");
        assertEquals(0, r.status(), r.err());
        for (String name : Main.SUBCOMMANDS.keySet()) {
            assertTrue(r.out().contains("\n  " + name + " "), name + " missing from:\n" + r.out());
        }
    }

    @Test
    void aSubcommandsUsageIsQualifiedByTheRoot() {
        CliRun r = CliRun.run("run", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Usage: flopwatch run "), r.out());
    }
}
