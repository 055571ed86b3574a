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

/** convert, quantize and inspect through the CLI, on a tiny DeepSeekMoE + MTP model trained for 3 steps. */
class ConvertCommandTest {
    @TempDir static Path tmp;
    static Path data, model;

    @BeforeAll
    static void trainOne() throws IOException {
        try (InputStream in = ConvertCommandTest.class.getClassLoader().getResourceAsStream(Corpus.RESOURCE)) {
            assertNotNull(in);
            data = Files.write(tmp.resolve("sample.txt"), Arrays.copyOf(in.readAllBytes(), 60_000));
        }
        model = tmp.resolve("model");
        Cli train = Cli.run("train", "--data", data.toString(), "--preset", "tiny-moe", "--mtp", "1", "--out", model.toString(),
                "--steps", "3", "--eval-every", "3", "--threads", "1");
        assertEquals(ExitCodes.OK, train.exitCode(), train.err());
    }

    private static Cli ok(String... args) {
        Cli r = Cli.run(args);
        assertEquals(ExitCodes.OK, r.exitCode(), r.err());
        return r;
    }

    private static void bad(String expectedPrefix, String... args) {
        Cli r = Cli.run(args);
        assertEquals(ExitCodes.BAD_INPUT, r.exitCode(), r.err());
        assertTrue(r.onlyErrLine().startsWith(expectedPrefix), r.err());
        assertEquals("", r.out());
    }

    @Test
    void folderToGgufAndBackEvaluatesTheSame() {
        Path gguf = tmp.resolve("m.gguf"), back = tmp.resolve("back");
        Cli convert = ok("convert", model.toString(), gguf.toString());
        assertTrue(convert.onlyOut().startsWith("wrote " + gguf + ": glm4moe, F32 "), convert.out());
        ok("convert", gguf.toString(), back.toString());
        String fromFolder = ok("eval", "--model", model.toString(), "--data", data.toString()).out();
        assertEquals(fromFolder, ok("eval", "--model", gguf.toString(), "--data", data.toString()).out());
        assertEquals(fromFolder, ok("eval", "--model", back.toString(), "--data", data.toString()).out());
        ok("generate", "--model", gguf.toString(), "--prompt", "ROMEO:", "--max-tokens", "3");
    }

    @Test
    void quantizeThenInspect() {
        Path q8 = tmp.resolve("q8.gguf");
        Cli q = ok("quantize", model.toString(), q8.toString(), "--type", "q8_0", "--name", "tiny");
        assertTrue(q.out().contains("Q8_0"), q.out());
        assertTrue(q.err().contains("note: 5 matrices have rows that are not a whole number of Q8_0 blocks"), q.err());
        Cli inspect = ok("inspect", q8.toString());
        assertTrue(inspect.out().contains("general.name") && inspect.out().contains("\"tiny\""), inspect.out());
        assertTrue(inspect.out().contains("blk.2.nextn.eh_proj.weight"), inspect.out());
        assertTrue(inspect.out().lines().anyMatch(l -> l.matches("parameters: [\\d,]+ total, [\\d,]+ active per token \\(2 of 8 routed experts per token; 1 MTP block\\(s\\) not counted\\)")), inspect.out());
        assertTrue(inspect.out().contains("trident: loads as d=64, 2 layers, GQA 4/2 heads of 16, MoE 8 routed (2 active) + 1 shared"), inspect.out());
        Cli folder = ok("inspect", model.toString(), "--no-tensors");
        assertTrue(folder.out().contains("Trident model folder"), folder.out());
    }

    @Test
    void inspectCountsMatchTheModelsOwn() {
        Path gguf = tmp.resolve("count.gguf");
        ok("convert", model.toString(), gguf.toString());
        String fromFile = ok("inspect", gguf.toString(), "--no-tensors").out().lines().filter(l -> l.startsWith("parameters:")).findFirst().orElseThrow();
        String fromFolder = ok("inspect", model.toString(), "--no-tensors").out().lines().filter(l -> l.startsWith("parameters:")).findFirst().orElseThrow();
        // The folder also holds the routers' selection biases and counts them as ModelConfig does; GGUF has them too.
        assertEquals(fromFolder, fromFile.replaceAll(" \\(.*\\)$", ""));
    }

    @Test
    void badInputIsOneLine() throws IOException {
        Path gguf = tmp.resolve("ok.gguf");
        ok("convert", model.toString(), gguf.toString());
        bad("trident: --type f32 is not a quantized type", "quantize", model.toString(), tmp.resolve("x.gguf").toString(), "--type", "f32");
        bad("trident: --type q8_0: safetensors has no q8_0 blocks", "convert", model.toString(), tmp.resolve("dir").toString(), "--type", "q8_0");
        bad("trident: --type fp8: GGUF has no 128x128 block-scaled FP8 type", "quantize", model.toString(), tmp.resolve("x.gguf").toString(), "--type", "fp8");
        bad("trident: --type q5_1: unknown weight type", "convert", model.toString(), tmp.resolve("x.gguf").toString(), "--type", "q5_1");
        bad("trident: " + gguf + ": is the input", "convert", gguf.toString(), gguf.toString());
        bad("trident: " + tmp.resolve("none") + ": does not exist", "inspect", tmp.resolve("none").toString());
        Path cut = Files.write(tmp.resolve("cut.gguf"), Arrays.copyOf(Files.readAllBytes(gguf), 5000));
        bad("trident: " + cut + ": ", "inspect", cut.toString());
        bad("trident: " + cut + ": ", "convert", cut.toString(), tmp.resolve("y.gguf").toString());
        assertTrue(!Files.exists(tmp.resolve("y.gguf")) && !Files.exists(tmp.resolve("x.gguf")), "nothing written on failure");
    }
}
