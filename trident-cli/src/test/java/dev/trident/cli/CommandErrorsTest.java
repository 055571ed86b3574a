package dev.trident.cli;

import dev.trident.model.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Bad input: exit code 2, one line on stderr starting "trident: ", nothing on stdout, no stack trace. */
class CommandErrorsTest {
    @TempDir Path tmp;

    private Path text() throws IOException {
        return Files.writeString(tmp.resolve("text.txt"), "First Citizen:\nBefore we proceed any further, hear me speak.\n");
    }

    private static void assertBadInput(Cli r, String expectedLine) {
        assertEquals(ExitCodes.BAD_INPUT, r.exitCode(), r.err());
        assertEquals(expectedLine, r.onlyErrLine());
        assertEquals("", r.out());
    }

    private static void assertBadInputStartingWith(Cli r, String prefix) {
        assertEquals(ExitCodes.BAD_INPUT, r.exitCode(), r.err());
        assertTrue(r.onlyErrLine().startsWith(prefix), r.err());
        assertEquals("", r.out());
    }

    @Test
    void missingDataFile() {
        Path missing = tmp.resolve("nope.txt");
        assertBadInput(Cli.run("train", "--data", missing.toString(), "--preset", "tiny", "--out", tmp.resolve("o").toString()),
                "trident: data file " + missing + ": does not exist");
    }

    @Test
    void emptyDataFile() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        assertBadInput(Cli.run("train", "--data", empty.toString(), "--preset", "tiny", "--out", tmp.resolve("o").toString()),
                "trident: data file " + empty + ": is empty");
    }

    @Test
    void dataFileThatIsADirectory() {
        assertBadInput(Cli.run("train", "--data", tmp.toString(), "--preset", "tiny", "--out", tmp.resolve("o").toString()),
                "trident: data file " + tmp + ": is not a regular file");
    }

    @Test
    void unknownPresetListsTheKnownOnes() throws IOException {
        assumeTrue(presetsAvailable(), "Presets not implemented in core yet");
        Cli r = Cli.run("train", "--data", text().toString(), "--preset", "gigantic", "--out", tmp.resolve("o").toString());
        assertBadInput(r, "trident: unknown preset 'gigantic'; known presets: " + String.join(", ", Presets.names()));
    }

    @Test
    void unknownOptionSuggestsTheRightOne() {
        Cli r = Cli.run("train", "--step", "3");
        assertBadInputStartingWith(r, "trident: Unknown option");
        assertTrue(r.err().contains("did you mean --steps?"), r.err());
        assertTrue(r.err().contains("(see 'trident train --help')"), r.err());
    }

    @Test
    void unknownOption() {
        assertBadInputStartingWith(Cli.run("eval", "--bogus"), "trident: Unknown option: '--bogus'");
    }

    @Test
    void unknownCommand() {
        assertBadInputStartingWith(Cli.run("trian"), "trident: Unmatched argument at index 0: 'trian'");
    }

    @Test
    void missingRequiredOptions() throws IOException {
        assertBadInput(Cli.run("train", "--data", text().toString()),
                "trident: Missing required options: '--preset=NAME', '--out=DIR' (see 'trident train --help')");
    }

    @Test
    void valueThatIsNotANumber() {
        assertBadInputStartingWith(Cli.run("train", "--data", "x", "--preset", "p", "--out", "o", "--steps", "abc"),
                "trident: Invalid value for option '--steps': 'abc' is not an int");
    }

    @Test
    void stepsAndMinutesMustBePositive() throws IOException {
        String data = text().toString();
        String out = tmp.resolve("o").toString();
        assertBadInputStartingWith(Cli.run("train", "--data", data, "--preset", "p", "--out", out, "--steps", "0"),
                "trident: --steps must be > 0, got 0");
        assertBadInputStartingWith(Cli.run("train", "--data", data, "--preset", "p", "--out", out, "--minutes", "-1"),
                "trident: --minutes must be > 0, got -1.0");
        assertBadInputStartingWith(Cli.run("demo", "--minutes", "0"), "trident: --minutes must be > 0");
    }

    @Test
    void threadsMustBePositive() throws IOException {
        assertBadInputStartingWith(Cli.run("eval", "--model", tmp.toString(), "--data", text().toString(), "--threads", "0"),
                "trident: --threads must be >= 1, got 0");
    }

    @Test
    void outputDirectoryThatIsAFile() throws IOException {
        Path data = text();
        assumeTrue(presetsAvailable(), "Presets not implemented in core yet");
        String preset = Presets.names().getFirst();
        assertBadInputStartingWith(Cli.run("train", "--data", data.toString(), "--preset", preset, "--out", data.toString()),
                "trident: output directory " + data + ": is a file");
    }

    @Test
    void evalNeedsAnExistingModel() throws IOException {
        Path missing = tmp.resolve("no-model");
        assertBadInputStartingWith(Cli.run("eval", "--model", missing.toString(), "--data", text().toString()),
                "trident: model " + missing + ": does not exist");
        assertBadInputStartingWith(Cli.run("eval", "--model", text().toString(), "--data", text().toString()),
                "trident: model " + text() + ": is neither a model folder nor a GGUF file");
    }

    @Test
    void evalChecksTheDataFile() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        assertBadInput(Cli.run("eval", "--model", tmp.toString(), "--data", empty.toString()),
                "trident: data file " + empty + ": is empty");
    }

    @Test
    void generateChecksSamplingOptions() {
        String model = tmp.toString();
        assertBadInputStartingWith(Cli.run("generate", "--model", model, "--prompt", "hi", "--top-p", "1.5"),
                "trident: --top-p must be in (0, 1], got 1.5");
        assertBadInputStartingWith(Cli.run("generate", "--model", model, "--prompt", "hi", "--temperature", "-0.1"),
                "trident: --temperature must be >= 0");
        assertBadInputStartingWith(Cli.run("generate", "--model", model, "--prompt", "hi", "--max-tokens", "0"),
                "trident: --max-tokens must be > 0");
        assertBadInputStartingWith(Cli.run("generate", "--prompt", "hi"), "trident: Missing required option: '--model=PATH'");
    }

    @Test
    void tokenizerTrainChecksInputsFirst() throws IOException {
        Path missing = tmp.resolve("nope.txt");
        assertBadInput(Cli.run("tokenizer", "train", "--data", missing.toString(), "--vocab", "512", "--out", "t.json"),
                "trident: data file " + missing + ": does not exist");
        assertBadInputStartingWith(Cli.run("tokenizer", "train", "--data", text().toString(), "--vocab", "100", "--out", "t.json"),
                "trident: --vocab must be at least 257");
        assertBadInputStartingWith(Cli.run("tokenizer"), "trident: missing subcommand");
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        Cli r = Cli.run();
        assertEquals(ExitCodes.BAD_INPUT, r.exitCode());
        assertTrue(r.err().startsWith("Usage: trident"), r.err());
    }

    static boolean presetsAvailable() {
        try {
            return !Presets.names().isEmpty();
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }
}
