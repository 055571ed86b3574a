package dev.trident.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Byte Latent Transformer through the CLI: train (whole pipeline) -> eval -> generate -> patch, and bad input. */
class BltCliTest {
    @TempDir static Path tmp;
    static Path data, model;
    static Cli train;

    @BeforeAll
    static void trainTiny() throws IOException {
        try (InputStream in = BltCliTest.class.getClassLoader().getResourceAsStream(Corpus.RESOURCE)) {
            assertNotNull(in, "the built-in corpus is on the classpath");
            data = Files.write(tmp.resolve("sample.txt"), Arrays.copyOf(in.readAllBytes(), 60_000));
        }
        model = tmp.resolve("blt");
        train = Cli.run("train", "--data", data.toString(), "--preset", "tiny-blt", "--out", model.toString(),
                "--steps", "3", "--entropy-steps", "3", "--eval-every", "3", "--patch-size", "3", "--threads", "1");
    }

    @Test
    void trainRunsTheWholePipeline() {
        assertEquals(ExitCodes.OK, train.exitCode(), train.err());
        assertTrue(train.outLines().getLast().matches("val_bpb=\\d+\\.\\d+"), train.out());
        assertTrue(train.out().contains("bytes per patch"), train.out());
        assertTrue(train.err().contains("training the entropy model"), train.err());
        for (String f : new String[]{"blt.json", "model.safetensors", "trainer-state.bin", "loss.png", "entropy/model.safetensors", "entropy/tokenizer.json"})
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
    }

    @Test
    void evalPrintsBpbAndTheFlopAccount() {
        Cli eval = Cli.run("eval", "--model", model.toString(), "--data", data.toString(), "--threads", "1");
        assertEquals(ExitCodes.OK, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("mean_patch_size="), eval.out());
        assertTrue(eval.out().contains("flops_per_byte="), eval.out());
        assertTrue(eval.out().contains("flops_per_byte_with_entropy="), eval.out());
        assertTrue(eval.outLines().getLast().matches("val_bpb=\\d+\\.\\d+"), eval.out());
        Cli noised = Cli.run("eval", "--model", model.toString(), "--data", data.toString(), "--noise", "0.05", "--threads", "1");
        assertEquals(ExitCodes.OK, noised.exitCode(), noised.err());
        assertTrue(!noised.outLines().getLast().equals(eval.outLines().getLast()), "noise changes the text");
    }

    @Test
    void generateStreamsBytesAndReportsPatches() {
        Cli gen = Cli.run("generate", "--model", model.toString(), "--prompt", "ROMEO:", "--max-tokens", "10", "--threads", "1");
        assertEquals(ExitCodes.OK, gen.exitCode(), gen.err());
        assertTrue(gen.err().contains("bytes per patch"), gen.err());
        assertTrue(gen.err().contains("10 generated"), gen.err());
    }

    @Test
    void patchShowsBoundariesAndWritesTheFigure() {
        Path png = tmp.resolve("entropy.png");
        Cli p = Cli.run("patch", "--model", model.resolve("entropy").toString(), "--text", "Hello there, world.", "--out", png.toString(), "--plain");
        assertEquals(ExitCodes.OK, p.exitCode(), p.err());
        assertEquals("Hello there, world.", p.outLines().getFirst().replace("|", ""), "the text, cut by |");
        assertTrue(p.err().contains("bytes per patch"), p.err());
        assertTrue(Files.isRegularFile(png), "entropy.png");
        // A BLT folder brings its own calibrated threshold.
        Cli q = Cli.run("patch", "--model", model.toString(), "--text", "Hello there, world.", "--out", png.toString(), "--plain");
        assertEquals(ExitCodes.OK, q.exitCode(), q.err());
    }

    @Test
    void badInputIsOneLine() {
        Cli noModel = Cli.run("patch", "--model", tmp.resolve("nope").toString(), "--text", "x");
        assertEquals(ExitCodes.BAD_INPUT, noModel.exitCode());
        assertTrue(noModel.onlyErrLine().startsWith("trident: "), noModel.err());
        Cli bpeOption = Cli.run("train", "--data", data.toString(), "--preset", "tiny", "--out", tmp.resolve("x").toString(), "--patch-size", "4");
        assertEquals(ExitCodes.BAD_INPUT, bpeOption.exitCode());
        assertTrue(bpeOption.onlyErrLine().contains("BLT preset"), bpeOption.err());
        Cli badPatching = Cli.run("train", "--data", data.toString(), "--preset", "tiny-blt", "--out", tmp.resolve("y").toString(), "--patching", "words");
        assertEquals(ExitCodes.BAD_INPUT, badPatching.exitCode());
        assertTrue(badPatching.onlyErrLine().contains("unknown patching"), badPatching.err());
        Cli notEntropy = Cli.run("patch", "--model", model.toString(), "--text", "x", "--patching", "space");
        assertEquals(ExitCodes.BAD_INPUT, notEntropy.exitCode());
    }
}
