package dev.trident.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --help works for every command, exits 0, and its text formats cleanly. */
class HelpTest {
    private final ByteArrayOutputStream picocliWarnings = new ByteArrayOutputStream();
    private PrintStream realErr;

    // picocli reports help text it cannot format (e.g. a bare '%') on System.err, not on the command's writer.
    @BeforeEach
    void captureSystemErr() {
        realErr = System.err;
        System.setErr(new PrintStream(picocliWarnings, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreSystemErr() {
        System.setErr(realErr);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "demo", "train", "eval", "generate", "tokenizer", "tokenizer train"})
    void helpForEveryCommand(String command) {
        for (String flag : new String[] {"--help", "-h"}) {
            String[] args = (command.isEmpty() ? flag : command + " " + flag).split(" ");
            Cli r = Cli.run(args);
            assertEquals(ExitCodes.OK, r.exitCode(), r.err());
            assertTrue(r.out().startsWith("Usage: trident" + (command.isEmpty() ? "" : " " + command)), r.out());
            assertEquals("", r.err());
        }
        assertEquals("", picocliWarnings.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpCommand() {
        Cli r = Cli.run("help", "train");
        assertEquals(ExitCodes.OK, r.exitCode());
        assertTrue(r.out().startsWith("Usage: trident train"), r.out());
        assertTrue(r.out().contains("Presets:"), r.out());
    }

    @Test
    void topLevelHelpListsCommands() {
        String out = Cli.run("--help").out();
        for (String c : new String[] {"demo", "train", "eval", "generate", "tokenizer"}) {
            assertTrue(out.contains("  " + c + " "), c + " missing from:\n" + out);
        }
    }

    @Test
    void version() {
        Cli r = Cli.run("--version");
        assertEquals(ExitCodes.OK, r.exitCode());
        assertTrue(r.out().startsWith("trident "), r.out());
        assertTrue(r.out().contains("java " + Runtime.version().feature()), r.out());
    }
}
