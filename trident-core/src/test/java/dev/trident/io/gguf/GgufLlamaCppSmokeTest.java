package dev.trident.io.gguf;

import dev.trident.io.json.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End to end against llama.cpp (tools/llama-ref, skipped only when its node_modules is absent): a tiny llama
 * written by {@link GgufWriter} loads in llama.cpp, llama.cpp tokenizes text as Trident's tokenizer does, and its
 * next-token log-probabilities match a plain Java forward pass of the same weights.
 */
class GgufLlamaCppSmokeTest {
    private static final String TEXT = "the cat and the wren went in, then they sat on the mat";

    @TempDir
    static Path dir;
    static TinyLlama tiny;
    static Path model;

    /** Each test is skipped (not silently absent) without the runner; the model is written once for all. */
    @BeforeEach
    void writeModelOnce() {
        assumeTrue(LlamaRef.installed(), "tools/llama-ref/node_modules is absent; run (cd tools/llama-ref && npm ci --omit=optional)");
        if (tiny != null) return;
        tiny = new TinyLlama(dir, 7);
        model = dir.resolve("tiny-llama.gguf");
        tiny.writeGguf(model);
    }

    @Test
    void llamaCppTokenizesLikeTridentAndAgreesOnLogProbs() throws Exception {
        int[] ours = tiny.tokenizer.encode(TEXT);
        Map<String, Object> out = run("logits.mjs", "--model", model.toString(), "--text", TEXT, "--top-k", "5",
                "--kv-cache", "F32");

        List<Object> theirs = Json.asArray(Json.asObject(out.get("tokenization"), "tokenization").get("tokens"), "tokens");
        assertArrayEquals(ours, theirs.stream().mapToInt(t -> (int) Json.asLong(t, "token")).toArray(),
                "llama.cpp's tokenization of \"" + TEXT + "\"");
        assertEquals(tiny.vocab, Json.asLong(out.get("vocabSize"), "vocabSize"));
        assertEquals(tiny.tokenizer.eosId(), Json.asLong(out.get("eos"), "eos"));

        double[][] reference = tiny.logProbs(ours);
        List<Object> positions = Json.asArray(out.get("positions"), "positions");
        assertEquals(ours.length, positions.size());
        double maxDiff = 0;
        for (int p = 0; p < ours.length; p++) {
            Map<String, Object> pos = Json.asObject(positions.get(p), "position");
            List<Object> top = Json.asArray(pos.get("top"), "top");
            assertEquals(5, top.size());
            double previous = 0;
            for (Object o : top) {
                Map<String, Object> t = Json.asObject(o, "top entry");
                double lp = Json.asDouble(t.get("logprob"), "logprob");
                assertTrue(Double.isFinite(lp) && lp <= 1e-6 && lp <= previous + 1e-6, "log-probs sorted, finite: " + top);
                previous = lp;
                maxDiff = Math.max(maxDiff, Math.abs(lp - reference[p][(int) Json.asLong(t.get("token"), "token")]));
            }
            if (p + 1 < ours.length) {
                assertEquals(ours[p + 1], Json.asLong(pos.get("next"), "next"));
                maxDiff = Math.max(maxDiff, Math.abs(Json.asDouble(pos.get("nextLogprob"), "nextLogprob")
                        - reference[p][ours[p + 1]]));
            }
        }
        System.out.printf("llama.cpp vs Java reference: max |log-prob difference| %.2e over %d positions%n", maxDiff, ours.length);
        // fp32 weights, activations and KV cache: agreement to float rounding, amplified by the softmaxes.
        assertTrue(maxDiff < 1e-3, "llama.cpp and the reference forward pass disagree by " + maxDiff);
    }

    @Test
    void specialTokensAndExplicitIds() throws Exception {
        Map<String, Object> out = run("logits.mjs", "--model", model.toString(), "--tokens",
                "[" + tiny.tokenizer.eosId() + ",1,2,3]", "--text", TinyLlama.EOS + "the", "--special", "--top-k", "3");
        List<Object> tokens = Json.asArray(Json.asObject(out.get("tokenization"), "tokenization").get("tokens"), "tokens");
        assertEquals((long) tiny.tokenizer.eosId(), tokens.get(0));
        assertEquals(4, Json.asArray(out.get("positions"), "positions").size());
    }

    @Test
    void benchReportsSpeeds() throws Exception {
        Map<String, Object> out = run("bench.mjs", "--model", model.toString(), "--prompt", "16", "--gen", "8");
        assertTrue(Json.asDouble(out.get("prefillTokensPerSecond"), "prefill") > 0);
        assertTrue(Json.asDouble(out.get("decodeTokensPerSecond"), "decode") > 0);
        assertEquals(8, Json.asLong(out.get("generatedTokens"), "generated"));
    }

    @Test
    void aBrokenModelIsAOneLineFailure() throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, Arrays.copyOf(Files.readAllBytes(model), 4000));
        Process p = start("logits.mjs", "--model", bad.toString(), "--tokens", "[1]");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0, "llama.cpp accepted a truncated file");
    }

    /** Why GgufWriter insists on UINT32 for count-like keys: llama.cpp refuses the model otherwise. */
    @Test
    void llamaCppRejectsABlockCountThatIsNotUInt32() throws Exception {
        byte[] b = Files.readAllBytes(model);
        byte[] key = "llama.block_count".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = indexOf(b, key) + key.length; // the value type id follows the key
        assertEquals(GgufValueType.UINT32.id(), b[at]);
        b[at] = (byte) GgufValueType.INT32.id(); // same width, so the rest of the file still parses
        Path bad = dir.resolve("int32-block-count.gguf");
        Files.write(bad, b);
        try (GgufFile g = GgufFile.open(bad)) {
            assertEquals(LAYERS_AS_INT32, g.require("llama.block_count"));
        }
        Process p = start("logits.mjs", "--model", bad.toString(), "--tokens", "[1]");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0);
        String err = Files.readString(dir.resolve("logits.mjs.stderr"));
        assertTrue(err.contains("key llama.block_count has wrong type i32 but expected type u32"), err);
    }

    private static final GgufValue LAYERS_AS_INT32 = new GgufValue.Int32(TinyLlama.LAYERS);

    private static int indexOf(byte[] b, byte[] s) {
        outer:
        for (int i = 0; i + s.length <= b.length; i++) {
            for (int j = 0; j < s.length; j++) if (b[i + j] != s[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    /** Runs a tools/llama-ref script and parses the one JSON object it prints. */
    private static Map<String, Object> run(String script, String... args) throws IOException, InterruptedException {
        Process p = start(script, args);
        byte[] stdout = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(script + " did not finish in 120 s");
        }
        String err = Files.readString(dir.resolve(script + ".stderr"));
        if (p.exitValue() != 0) fail(script + " exited " + p.exitValue() + ": " + err);
        Map<String, Object> out = Json.asObject(Json.parse(new String(stdout, java.nio.charset.StandardCharsets.UTF_8)), script);
        assertNotNull(out);
        return out;
    }

    private static Process start(String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("node", script));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--threads", "1"));
        return new ProcessBuilder(cmd).directory(LlamaRef.dir().toFile())
                .redirectError(dir.resolve(script + ".stderr").toFile()).start();
    }
}
