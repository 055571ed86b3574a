package dev.trident.spark.cli;

import dev.trident.infer.GenerationResult;
import dev.trident.infer.Generator;
import dev.trident.model.Model;
import dev.trident.spark.TestSpark;
import dev.trident.spark.infer.GenerationSpec;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spark-* commands as a user runs them: files in, files and figures out, one clear line on bad input. */
class SparkMainTest {
    @TempDir
    static Path dir;
    static Model model;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        TestSpark.session(); // the commands reuse the test JVM's local session
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = SparkMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true), false);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void setUp() {
        model = TestSpark.tinyModel(dir.resolve("model"), 64);
    }

    @Test
    void generateWritesOneRowPerPromptWithTheEnginesText() throws IOException {
        List<String> prompts = List.of("ROMEO:", "JULIET: O", "First Citizen:", "What, ho!");
        Path in = dir.resolve("prompts.txt");
        Files.write(in, prompts);
        Path outDir = dir.resolve("generated");
        Run r = run("spark-generate", "--master", "local[2]", "--model", dir.resolve("model").toString(), "--input", in.toString(),
                "--output", outDir.toString(), "--max-tokens", "10", "--temperature", "0.7", "--seed", "3", "--partitions", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("rows=4"), r.out());
        Map<String, String> got = new HashMap<>();
        for (Row row : TestSpark.session().read().json(outDir.toString()).collectAsList())
            got.put(row.getAs("prompt"), row.getAs("generated"));
        Generator g = new Generator(model);
        GenerationSpec spec = GenerationSpec.greedy("unused", 10).withSampling(0.7, 0, 1, 3);
        for (String p : prompts) {
            GenerationResult e = g.generate(p, spec.sampling(3), null);
            assertEquals(e.text(), got.get(p), p);
        }
        // Writing over an existing output needs --overwrite.
        Run again = run("spark-generate", "--master", "local[2]", "--model", dir.resolve("model").toString(), "--input", in.toString(),
                "--output", outDir.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().startsWith("trident: ") && again.err().contains("--overwrite"), again.err());
    }

    @Test
    void scorePrintsTheCorpusBitsPerByteLast() throws IOException {
        Path in = dir.resolve("docs.txt");
        Files.write(in, List.of("To be, or not to be", "that is the question", "Whether 'tis nobler in the mind to suffer"));
        Run r = run("spark-score", "--master", "local[2]", "--model", dir.resolve("model").toString(), "--input", in.toString(), "--text-column", "text");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("bpb=\\d+\\.\\d{4}"), r.out());
        assertTrue(r.out().contains("documents=3"), r.out());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        Run noModel = run("spark-score", "--master", "local[2]", "--model", dir.toString(), "--input", "x.txt");
        assertEquals(2, noModel.code());
        assertTrue(noModel.err().startsWith("trident: ") && noModel.err().contains("not a model directory"), noModel.err());
        assertEquals(1, noModel.err().strip().lines().count(), noModel.err());

        Run missingInput = run("spark-generate", "--master", "local[2]", "--model", dir.resolve("model").toString(),
                "--input", dir.resolve("nope.txt").toString(), "--output", dir.resolve("o").toString());
        assertEquals(2, missingInput.code(), missingInput.err());
        assertEquals(1, missingInput.err().strip().lines().count(), missingInput.err());

        Run unknown = run("spark-train", "--data", "x", "--out", "y", "--rounds", "1", "--preset", "nope");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown preset 'nope'"), unknown.err());

        Run typo = run("spark-generate", "--modle", "x");
        assertEquals(2, typo.code());
        assertFalse(typo.err().contains("\tat "), "no stack trace");
    }
}
