package dev.trident.spark.infer;

import dev.trident.eval.EvalResult;
import dev.trident.eval.Evaluator;
import dev.trident.infer.GenerationResult;
import dev.trident.infer.Generator;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.Model;
import dev.trident.spark.ExecutorModels;
import dev.trident.spark.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark batch inference gives exactly what the single-process engine gives, row for row. */
class SparkInferenceTest {
    @TempDir
    static Path dir;
    static Model model;
    static String corpus;

    @BeforeAll
    static void setUp() {
        model = TestSpark.tinyModel(dir.resolve("model"), 48);
        corpus = TestSpark.text(TestSpark.shakespeare(30_000));
    }

    /** Prompts cut from Shakespeare at random places, of 0 to 60 characters. */
    static List<String> prompts(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int start = r.nextInt(corpus.length() - 100);
            out.add(corpus.substring(start, start + r.nextInt(61)));
        }
        return out;
    }

    @Test
    void generationEqualsTheSingleProcessEngineWithTheSameSeeds() {
        List<String> prompts = prompts(24, 1);
        prompts.add("x".repeat(400)); // longer than the context: an error row, not a failed job
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType, true)
                .add("seed", DataTypes.LongType, true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) rows.add(RowFactory.create(i, prompts.get(i), i % 3 == 0 ? null : 100L + i));
        rows.add(RowFactory.create(prompts.size(), null, 5L));
        SparkSession spark = TestSpark.session();
        Dataset<Row> input = spark.createDataFrame(rows, schema).repartition(3);
        GenerationSpec spec = new GenerationSpec(dir.resolve("model").toString(), "prompt", "seed", 12, 0.9, 20, 0.95, 42, true, 0);

        // The single-process engine on the test JVM's full pool; Spark tasks use one thread each.
        WorkerPool.setGlobalThreads(2);
        Generator single = new Generator(model);
        List<GenerationResult> expected = new ArrayList<>();
        for (int i = 0; i < prompts.size() - 1; i++)
            expected.add(single.generate(prompts.get(i), spec.sampling(i % 3 == 0 ? 42 : 100L + i), null));

        int loadsBefore = ExecutorModels.loads();
        List<Row> got = new ArrayList<>(SparkGenerator.generate(input, spec).collectAsList());
        got.sort(Comparator.comparingInt(r -> r.getInt(0)));
        assertEquals(rows.size(), got.size());
        assertTrue(ExecutorModels.loads() - loadsBefore <= 1, "the model is loaded once per executor JVM");
        for (int i = 0; i < expected.size(); i++) {
            Row r = got.get(i);
            GenerationResult e = expected.get(i);
            assertEquals(e.text(), r.getAs(SparkGenerator.GENERATED), "row " + i);
            assertEquals(e.tokens().length, (int) r.getAs(SparkGenerator.GENERATED_TOKENS), "row " + i);
            assertEquals(e.promptTokens(), (int) r.getAs(SparkGenerator.PROMPT_TOKENS), "row " + i);
            assertEquals(e.stopReason(), r.getAs(SparkGenerator.STOP_REASON), "row " + i);
        }
        Row tooLong = got.get(prompts.size() - 1);
        assertNull(tooLong.getAs(SparkGenerator.GENERATED));
        assertTrue(((String) tooLong.getAs(SparkGenerator.STOP_REASON)).startsWith("error: prompt of"), tooLong.toString());
        Row nullPrompt = got.get(prompts.size());
        assertNull(nullPrompt.getAs(SparkGenerator.GENERATED));
        assertNull(nullPrompt.getAs(SparkGenerator.STOP_REASON));
    }

    @Test
    void scoresEqualTheEnginesBitsPerByteForEveryDocument() {
        // Documents from empty to several context windows long (the model's context is 48 tokens).
        List<String> docs = prompts(20, 2);
        docs.add("");
        docs.add(corpus.substring(0, 2_000));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType, true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) rows.add(RowFactory.create(i, docs.get(i)));
        Dataset<Row> input = TestSpark.session().createDataFrame(rows, schema).repartition(2);

        WorkerPool.setGlobalThreads(2);
        double[] expected = new double[docs.size()];
        long[] tokens = new long[docs.size()];
        double bits = 0, bytes = 0;
        for (int i = 0; i < docs.size(); i++) {
            byte[] b = docs.get(i).getBytes(StandardCharsets.UTF_8);
            EvalResult r = Evaluator.evaluate(model, b);
            expected[i] = r.bitsPerByte();
            tokens[i] = r.tokens();
            bits += r.bitsPerByte() * b.length;
            bytes += b.length;
        }

        Dataset<Row> scored = SparkScorer.score(input, ScoreSpec.of(dir.resolve("model").toString(), "text")).cache();
        List<Row> got = new ArrayList<>(scored.collectAsList());
        got.sort(Comparator.comparingInt(r -> r.getInt(0)));
        double[] bpb = new double[docs.size()];
        long[] gotTokens = new long[docs.size()];
        for (int i = 0; i < docs.size(); i++) {
            bpb[i] = got.get(i).getAs(SparkScorer.BPB);
            gotTokens[i] = got.get(i).getAs(SparkScorer.TOKENS);
        }
        assertArrayEquals(expected, bpb);
        assertArrayEquals(tokens, gotTokens);
        assertTrue(tokens[docs.size() - 1] > 2 * 48, "the long document spans several windows");
        assertEquals(bits / bytes, SparkScorer.corpusBitsPerByte(scored), 1e-12);
    }
}
