package dev.trident.lab;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Matching the final rung's quality among dense models, and splitting the cost ratio into steps. */
class EqualQualityTest {
    private static Row dense(String id, double bpb, double bytes, double tokPerS) {
        double n = Double.NaN;
        return new Row(id, id, Row.Kind.DENSE, "fp32", bpb, 1, 1, n, n, n, 1, n, bytes, 0, n, tokPerS, n, n, n, n, null, null);
    }

    @Test
    void interpolatesLogCostLinearlyInBpbBetweenTheBracketingModels() {
        Row small = dense("small", 2.0, 100, 1000), big = dense("big", 1.8, 400, 250), huge = dense("huge", 1.7, 1600, 60);
        EqualQuality.Match m = EqualQuality.match(List.of(small, big, huge), 1.9);
        assertEquals(EqualQuality.How.INTERPOLATED, m.how());
        assertSame(big, m.better());
        assertSame(small, m.worse());
        assertEquals(200, m.bytesPerToken(), 1e-9); // halfway in BPB = geometric mean of the costs
        assertEquals(Math.sqrt(1e-3 * 4e-3), m.secondsPerToken(), 1e-12);
    }

    @Test
    void exactNotReachedAndAllBetter() {
        Row a = dense("a", 2.0, 100, 1000), b = dense("b", 1.8, 400, 250);
        assertEquals(EqualQuality.How.EXACT, EqualQuality.match(List.of(a, b), 1.8).how());
        EqualQuality.Match none = EqualQuality.match(List.of(a, b), 1.5);
        assertEquals(EqualQuality.How.NOT_REACHED, none.how());
        assertEquals(400, none.bytesPerToken());
        EqualQuality.Match all = EqualQuality.match(List.of(a, b), 2.5);
        assertEquals(EqualQuality.How.ALL_BETTER, all.how());
        assertEquals(100, all.bytesPerToken());
        assertNull(EqualQuality.match(List.of(), 2));
        assertEquals(true, EqualQuality.bracketed(List.of(a, b), 1.9));
        assertEquals(false, EqualQuality.bracketed(List.of(a, b), 1.5));
    }

    @Test
    void chainFactorsMultiplyToTheRatioAndSharesAddUpToOne() {
        List<Row> rows = List.of(dense("r1", 2, 100, 1), dense("r2", 2, 50, 1),
                Row.failed("r3", "r3", Row.Kind.LADDER, "boom"), dense("r4", 2, 10, 1));
        List<EqualQuality.Step> steps = EqualQuality.chain(400, rows, Row::bytesPerToken);
        assertEquals(3, steps.size(), "the failed row is skipped");
        double product = 1, shares = 0;
        for (EqualQuality.Step s : steps) {
            product *= s.factor();
            shares += s.share();
        }
        assertEquals(40, product, 1e-9);
        assertEquals(1, shares, 1e-12);
        assertEquals(4, steps.getFirst().factor(), 1e-12);
        assertEquals(5, steps.getLast().factor(), 1e-12);
    }
}
