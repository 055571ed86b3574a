package dev.trident.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `trident lab --quick` end to end on a slice of the built-in corpus: the report's structure (sections, the ladder's
 * five rungs, the served rows, the equal-quality figures), the CSV's columns, the plots, and that every number in
 * them is finite and positive (not what the numbers are: a few seconds of training say nothing).
 */
class LabCommandTest {
    @TempDir static Path tmp;
    static Path data;

    @BeforeAll
    static void sample() throws IOException {
        try (InputStream in = LabCommandTest.class.getClassLoader().getResourceAsStream(Corpus.RESOURCE)) {
            assertNotNull(in, "the built-in corpus is on the classpath");
            data = Files.write(tmp.resolve("sample.txt"), Arrays.copyOf(in.readAllBytes(), 150_000));
        }
    }

    @Test
    void quickLabWritesAReportWhoseNumbersAreAllFiniteAndPositive() throws IOException {
        Path out = tmp.resolve("lab");
        Cli lab = Cli.run("lab", "--quick", "--data", data.toString(), "--out", out.toString(), "--threads", "1");
        assertEquals(ExitCodes.OK, lab.exitCode(), lab.err());
        assertTrue(lab.out().contains("final_bpb="), lab.out());
        assertTrue(lab.out().contains("bytes_per_token_ratio="), lab.out());
        for (String f : List.of("report.md", "results.csv", "bpb-vs-compute.png", "cost-vs-bpb.png"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);

        String report = Files.readString(out.resolve("report.md"));
        for (String h : List.of("## The ladder", "## The final rung served", "## Dense references", "## Cost per token at equal quality", "## Run conditions"))
            assertTrue(report.contains(h), h);
        List<List<String>> ladder = table(report, "## The ladder");
        assertEquals(5, ladder.size(), "five rungs");
        for (String t : List.of("1. dense fp32 baseline", "2. + DeepSeekMoE", "3. + MLA", "4. + MTP", "5. + FP8 training"))
            assertTrue(ladder.stream().anyMatch(r -> r.getFirst().startsWith(t)), t);
        List<List<String>> served = table(report, "## The final rung served");
        assertEquals(3, served.size());
        assertTrue(served.stream().anyMatch(r -> r.getFirst().contains("Q8_0")) && served.stream().anyMatch(r -> r.getFirst().contains("FP8-block")));
        for (String heading : List.of("## The ladder", "## The final rung served", "## Dense references")) {
            List<String> head = header(report, heading);
            for (List<String> row : table(report, heading)) {
                assertEquals(head.size(), row.size(), row.toString());
                for (int i = 1; i < row.size(); i++) {
                    if (row.get(i).equals("—") || row.get(i).equals("pending")) continue;
                    assertFinitePositive(row.get(i), head.get(i) + " of " + row.getFirst());
                }
            }
        }
        // Rungs without MTP have no drafts; rungs with it report them.
        assertEquals("—", ladder.get(0).get(11));
        assertFalse(ladder.get(3).get(12).equals("—"));
        assertTrue(report.contains("lower**"), "the equal-quality ratio is stated");

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        List<String> header = Arrays.asList(csv.getFirst().split(",", -1));
        assertTrue(header.containsAll(List.of("val_bpb", "params", "active_params", "train_flops_per_token", "train_tokens_per_s",
                "infer_flops_per_token", "bytes_per_token", "decode_tokens_per_s", "draft_acceptance", "tokens_per_forward", "peak_heap_bytes")));
        assertTrue(csv.size() >= 1 + 5 + 3, "ladder and served rows");
        int numericFrom = header.indexOf("val_bpb"), numericTo = header.indexOf("note");
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            assertEquals(header.size(), f.length, line);
            assertFalse(f[4].equals("failed"), line);
            for (int i = numericFrom; i < numericTo; i++) if (!f[i].isEmpty()) assertFinitePositive(f[i], header.get(i) + " of " + f[0]);
            for (String required : List.of("val_bpb", "params", "active_params", "bytes_per_token", "infer_flops_per_token"))
                assertFalse(f[header.indexOf(required)].isEmpty(), required + " of " + f[0]);
        }

        // A second run reuses every rung and only measures and reports again.
        Cli again = Cli.run("lab", "--quick", "--data", data.toString(), "--out", out.toString(), "--threads", "1");
        assertEquals(ExitCodes.OK, again.exitCode(), again.err());
        assertTrue(again.err().contains("reusing its results"), again.err());
        assertFalse(again.err().contains("of training"), again.err());
    }

    @Test
    void badInputIsOneLine() {
        Cli missing = Cli.run("lab", "--quick", "--data", tmp.resolve("nope.txt").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(ExitCodes.BAD_INPUT, missing.exitCode());
        assertTrue(missing.onlyErrLine().startsWith("trident: "), missing.err());
        Cli budget = Cli.run("lab", "--quick", "--budget", "0", "--data", data.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(ExitCodes.BAD_INPUT, budget.exitCode());
    }

    /** Positive, except a draft acceptance rate, which is a fraction that can be 0. */
    private static void assertFinitePositive(String cell, String where) {
        double v;
        try {
            v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            throw new AssertionError(where + ": '" + cell + "' is not a number");
        }
        assertTrue(Double.isFinite(v) && (v > 0 || v == 0 && where.contains("acceptance")), where + ": " + cell);
    }

    /** The column names of the first table after a heading. */
    private static List<String> header(String md, String heading) {
        String line = md.substring(md.indexOf(heading)).lines().filter(l -> l.startsWith("|")).findFirst().orElseThrow();
        return Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1)).map(String::strip).toList();
    }

    /** The body rows of the first table after a heading, as cells. */
    private static List<List<String>> table(String md, String heading) {
        List<String> lines = md.substring(md.indexOf(heading)).lines().toList();
        List<List<String>> rows = new ArrayList<>();
        boolean in = false;
        for (String l : lines) {
            if (l.startsWith("|")) {
                if (l.startsWith("|---")) { in = true; continue; }
                if (in) {
                    String[] cells = l.substring(1, l.length() - (l.endsWith("|") ? 1 : 0)).split("\\|", -1);
                    rows.add(Arrays.stream(cells).map(String::strip).toList());
                }
            } else if (in) break;
        }
        return rows;
    }
}
