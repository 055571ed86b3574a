package dev.trident.cli;

import dev.trident.train.EvalPoint;
import dev.trident.train.StepMetrics;
import dev.trident.train.TrainPlan;
import dev.trident.train.TrainResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summary, the plot and the progress listener, fed by a made-up run. */
class TrainReportTest {
    @TempDir Path out;

    private TrainResult run(boolean validated) {
        List<StepMetrics> history = new ArrayList<>();
        for (int s = 1; s <= 200; s++) {
            double loss = 4.5 * Math.exp(-s / 60.0) + 1.5 + 0.1 * Math.sin(s);
            history.add(new StepMetrics(s, 200, loss, 3e-4, 1.0, 12_345, s * 0.5, s / 200.0));
        }
        List<EvalPoint> evals = validated
                ? List.of(new EvalPoint(100, 2.1, 2.345), new EvalPoint(200, 1.9, 2.1234))
                : List.of();
        return new TrainResult(out, 200, history.getLast().loss(), validated ? evals.getLast() : null, 12_345.6,
                100, history, evals, out.resolve("metrics.csv"));
    }

    private static String summary(TrainResult r, boolean bpbLine) {
        StringWriter s = new StringWriter();
        TrainReport.print(r, "tiny", out(r), bpbLine, new PrintWriter(s, true));
        return s.toString();
    }

    private static Path out(TrainResult r) {
        return r.out().resolve("loss.png");
    }

    @Test
    void summaryEndsWithValBpb() {
        List<String> lines = summary(run(true), true).lines().toList();
        assertEquals("val_bpb=2.1234", lines.getLast());
        assertTrue(lines.contains("val loss    1.9000 nats/token, 2.1234 bits/byte (step 200)"), lines.toString());
        assertTrue(lines.contains("steps       200 in 1m 40s (12.3k tokens/s)"), lines.toString());
    }

    @Test
    void summaryWithoutValidationHasNoBpbLine() {
        String s = summary(run(false), true);
        assertFalse(s.contains("val_bpb="), s);
        assertTrue(s.contains("val loss    not measured"), s);
        assertFalse(summary(run(true), false).contains("val_bpb="));
    }

    @Test
    void plotIsAPng() throws IOException {
        StringWriter err = new StringWriter();
        Path png = TrainReport.plot(run(true), "tiny", new PrintWriter(err, true));
        assertNotNull(png, err.toString());
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
        assertEquals("", err.toString());
    }

    @Test
    void smoothingKeepsAConstantAndIgnoresNaN() {
        assertArrayEquals(new double[] {2, 2, 2, 2}, LossPlot.smooth(new double[] {2, 2, Double.NaN, 2}, 1), 1e-12);
    }

    @Test
    void progressListenerDescribesThePlanAndSurvivesARun() {
        StringWriter err = new StringWriter();
        TrainPlan plan = new TrainPlan("tiny", 1_234_567, 0, 200, 60, 4096, 1_000_000, 111_000);
        try (TrainProgress p = new TrainProgress(new PrintWriter(err, true))) {
            p.onPhase("tokenizing data");
            p.onStart(plan);
            for (StepMetrics m : run(true).history()) p.onStep(m);
            p.onEval(new EvalPoint(200, 1.9, 2.1));
            p.onCheckpoint(200, out);
        }
        String s = err.toString();
        assertTrue(s.startsWith("tokenizing data ...\n"), s);
        assertTrue(s.contains("preset tiny: 1.23M parameters, up to 200 steps or 1m 00s x 4,096 tokens; "
                + "data 1.00M train / 111.0k val tokens"), s);
    }

    @Test
    void formats() {
        assertEquals("950", Format.count(950));
        assertEquals("12.3k", Format.count(12_345));
        assertEquals("4.56M", Format.count(4_560_000));
        assertEquals("0.42s", Format.duration(0.42));
        assertEquals("4m 05s", Format.duration(245));
        assertEquals("1h 02m", Format.duration(3720));
    }
}
