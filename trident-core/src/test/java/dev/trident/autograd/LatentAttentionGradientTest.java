package dev.trident.autograd;

import dev.trident.kernels.RopeTable;
import dev.trident.nn.LatentAttention;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.Parameters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MLA layer against finite differences (every weight and the input), on odd sizes: with and without a query
 * latent, values narrower and wider than the query/key heads; and its structure against a scalar re-derivation.
 */
class LatentAttentionGradientTest {
    @Test
    void queryLatentAndNarrowValues() {
        check(new MlaSpec(7, 3, 5, 3, 3, 2, 2), 2, 3, 31);
    }

    @Test
    void noQueryLatentAndWideValues() {
        check(new MlaSpec(6, 2, 0, 4, 1, 4, 7), 1, 5, 32);
    }

    private static void check(MlaSpec spec, int batch, int seq, long seed) {
        Parameters params = new Parameters(seed);
        LatentAttention attn = new LatentAttention(params, "a", spec, 1e-5f, new RopeTable(spec.qkRopeDim(), 16, 10000), 0.5, 0.5);
        Random rng = new Random(seed);
        for (Parameters.Parameter p : params.all()) // norms off 1, so their gains get a visible gradient
            for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.2 * rng.nextGaussian());
        Tensor x = GradCheck.random(rng, true, batch * seq, spec.dim());
        List<Tensor> inputs = new ArrayList<>(List.of(x));
        for (Parameters.Parameter p : params.all()) inputs.add(p.tensor());
        assertEquals(spec.parameters(), params.count(), "MlaSpec.parameters() counts the layer's weights");
        GradCheck.check("latentAttention", inputs, t -> attn.forward(t, x, batch, seq), seed, 2e-2);
    }

    /** The layer's output against a direct scalar evaluation of DeepSeek's MLA formulas (one sequence). */
    @Test
    void matchesScalarFormulas() {
        MlaSpec s = new MlaSpec(9, 3, 4, 5, 3, 4, 2);
        int seq = 6;
        RopeTable rope = new RopeTable(s.qkRopeDim(), 16, 10000);
        Parameters params = new Parameters(3);
        LatentAttention attn = new LatentAttention(params, "a", s, 1e-5f, rope, 0.4, 0.4);
        Random rng = new Random(4);
        Tensor x = GradCheck.random(rng, false, seq, s.dim());
        Tape tape = new Tape();
        tape.setRecording(false);
        float[] got = attn.forward(tape, x, 1, seq).data;

        int h = s.heads(), nope = s.qkNopeDim(), r = s.qkRopeDim(), c = s.kvLoraRank(), dv = s.vHeadDim(), qk = nope + r;
        double[][] q = new double[seq][], cKv = new double[seq][], kPe = new double[seq][];
        for (int t = 0; t < seq; t++) {
            double[] xt = row(x.data, t, s.dim());
            q[t] = matVec(attn.wqB.data, rmsNorm(matVec(attn.wqA.data, xt, s.qLoraRank()), attn.qNorm.weight.data), h * qk);
            double[] kvA = matVec(attn.wkvA.data, xt, c + r);
            cKv[t] = rmsNorm(java.util.Arrays.copyOf(kvA, c), attn.kvNorm.weight.data);
            kPe[t] = rotate(java.util.Arrays.copyOfRange(kvA, c, c + r), t, rope);
            for (int head = 0; head < h; head++) {
                double[] pe = rotate(java.util.Arrays.copyOfRange(q[t], head * qk + nope, head * qk + qk), t, rope);
                System.arraycopy(pe, 0, q[t], head * qk + nope, r);
            }
        }
        double worst = 0;
        for (int t = 0; t < seq; t++) {
            double[] o = new double[h * dv];
            for (int head = 0; head < h; head++) {
                double[] score = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u <= t; u++) {
                    double[] kv = matVec(attn.wkvB.data, cKv[u], h * (nope + dv));
                    double sc = 0;
                    for (int j = 0; j < nope; j++) sc += q[t][head * qk + j] * kv[head * (nope + dv) + j];
                    for (int j = 0; j < r; j++) sc += q[t][head * qk + nope + j] * kPe[u][j];
                    score[u] = sc / Math.sqrt(qk);
                    max = Math.max(max, score[u]);
                }
                double z = 0;
                for (int u = 0; u <= t; u++) z += Math.exp(score[u] - max);
                for (int u = 0; u <= t; u++) {
                    double[] kv = matVec(attn.wkvB.data, cKv[u], h * (nope + dv));
                    double p = Math.exp(score[u] - max) / z;
                    for (int j = 0; j < dv; j++) o[head * dv + j] += p * kv[head * (nope + dv) + nope + j];
                }
            }
            double[] out = matVec(attn.wo.data, o, s.dim());
            for (int j = 0; j < s.dim(); j++) worst = Math.max(worst, Math.abs(out[j] - got[t * s.dim() + j]));
        }
        assertTrue(worst < 1e-5, "MLA differs from the scalar formulas by " + worst);
    }

    private static double[] row(float[] a, int r, int n) {
        double[] out = new double[n];
        for (int j = 0; j < n; j++) out[j] = a[r * n + j];
        return out;
    }

    private static double[] matVec(float[] w, double[] x, int rows) {
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) for (int j = 0; j < x.length; j++) y[i] += w[i * x.length + j] * x[j];
        return y;
    }

    private static double[] rmsNorm(double[] x, float[] w) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double inv = 1 / Math.sqrt(ms / x.length + 1e-5);
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) y[j] = x[j] * inv * w[j];
        return y;
    }

    /** Adjacent pairs (x[2i], x[2i+1]) by pos * theta^(-2i/d), the GGUF convention. */
    private static double[] rotate(double[] x, int pos, RopeTable rope) {
        double[] y = x.clone();
        for (int i = 0; i < x.length / 2; i++) {
            double angle = pos * Math.pow(10000, -2.0 * i / x.length), cs = Math.cos(angle), sn = Math.sin(angle);
            y[2 * i] = x[2 * i] * cs - x[2 * i + 1] * sn;
            y[2 * i + 1] = x[2 * i] * sn + x[2 * i + 1] * cs;
        }
        return y;
    }
}
