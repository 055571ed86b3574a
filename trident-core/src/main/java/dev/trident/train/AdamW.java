package dev.trident.train;

import dev.trident.autograd.SparseRows;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.BFloat16;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter): for each parameter w with gradient g,
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr (m_hat / (sqrt(v_hat) + eps) + wd w), with bias-corrected
 * m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t). Weight decay applies only to parameters marked for it.
 *
 * <p>A parameter registered with {@link #sparse} (a hashed embedding table) is updated lazily, row by row: only the
 * rows its {@link SparseRows} marked in this step move (their moments too); the others keep weights and moments, as
 * in PyTorch's SparseAdam. The marks are cleared after the step.
 *
 * <p>The moments m and v are kept in fp32 or, with {@link Moments#BF16}, in bfloat16 (as DeepSeek-V3 does), halving
 * the optimizer state: each step decodes them, updates them in fp32, rounds them to nearest-even bf16 and takes the
 * weight step from the rounded values, so the stored state alone determines the run (resume stays exact). bf16 keeps
 * fp32's 8-bit exponent, so v does not underflow sooner than in fp32; its 8-bit significand (relative step 2^-8) is
 * finer than the per-step decay 1 - b2 = 0.05 of our presets, so a moment whose gradient vanishes still decays
 * rather than sticking at a rounded value (with b2 = 0.999 it would stick: 0.001 is below half an ulp).
 */
public final class AdamW {
    public final double beta1, beta2, eps, weightDecay;
    /** How the moments are stored. */
    public enum Moments { FP32, BF16 }

    private final List<Parameter> params;
    public final Moments moments;
    /** fp32 moments (null with {@link Moments#BF16}). */
    final float[][] m, v;
    /** bf16 moments (null with {@link Moments#FP32}). */
    final short[][] mb, vb;
    private final SparseRows[] sparse;
    int t;

    public AdamW(List<Parameter> params, double beta1, double beta2, double eps, double weightDecay) {
        this(params, beta1, beta2, eps, weightDecay, Moments.FP32);
    }

    public AdamW(List<Parameter> params, double beta1, double beta2, double eps, double weightDecay, Moments moments) {
        this.params = params;
        this.moments = moments;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        boolean bf16 = moments == Moments.BF16;
        this.m = bf16 ? null : new float[params.size()][];
        this.v = bf16 ? null : new float[params.size()][];
        this.mb = bf16 ? new short[params.size()][] : null;
        this.vb = bf16 ? new short[params.size()][] : null;
        for (int i = 0; i < params.size(); i++) {
            int n = params.get(i).tensor().size();
            if (bf16) {
                mb[i] = new short[n];
                vb[i] = new short[n];
            } else {
                m[i] = new float[n];
                v[i] = new float[n];
            }
        }
        this.sparse = new SparseRows[params.size()];
    }

    /** Updates the parameter holding tensor only in the rows `rows` marks (see the class comment). */
    public AdamW sparse(dev.trident.autograd.Tensor tensor, SparseRows rows) {
        for (int i = 0; i < params.size(); i++)
            if (params.get(i).tensor() == tensor) {
                if (rows.rows() * rows.width() != tensor.size()) throw new IllegalArgumentException("row tracker of " + rows.rows() + "x" + rows.width() + " for " + tensor);
                sparse[i] = rows;
                return this;
            }
        throw new IllegalArgumentException("not a parameter of this optimizer: " + tensor);
    }

    /** Bytes held by the moments m and v (8 per parameter element in fp32, 4 in bf16). */
    public long stateBytes() {
        long n = 0;
        for (Parameter p : params) n += p.tensor().size();
        return n * (moments == Moments.BF16 ? 4 : 8);
    }

    /** The moments of parameter p as floats (a copy when they are stored in bf16; bf16 values convert exactly). */
    float[] firstMoment(int p) { return m != null ? m[p] : decode(mb[p]); }
    float[] secondMoment(int p) { return v != null ? v[p] : decode(vb[p]); }

    /** Restores the moments of parameter p (rounded to bf16 when stored so; exact for values saved from bf16). */
    void setMoments(int p, float[] first, float[] second) {
        if (m != null) {
            System.arraycopy(first, 0, m[p], 0, m[p].length);
            System.arraycopy(second, 0, v[p], 0, v[p].length);
        } else {
            BFloat16.encode(first, 0, mb[p], 0, mb[p].length);
            BFloat16.encode(second, 0, vb[p], 0, vb[p].length);
        }
    }

    private static float[] decode(short[] codes) {
        float[] out = new float[codes.length];
        BFloat16.decode(codes, 0, out, 0, codes.length);
        return out;
    }

    /** Steps taken so far. */
    public int steps() { return t; }

    /** One update with learning rate lr from the gradients currently held by the parameters. */
    public void step(double lr) {
        t++;
        float b1 = (float) beta1, b2 = (float) beta2;
        float c1 = (float) (1 / (1 - Math.pow(beta1, t))), c2 = (float) (1 / (1 - Math.pow(beta2, t)));
        float lrF = (float) lr, epsF = (float) eps;
        for (int p = 0; p < params.size(); p++) {
            Parameter param = params.get(p);
            float[] w = param.tensor().data, g = param.tensor().grad;
            float decay = param.decay() ? (float) (lr * weightDecay) : 0f;
            SparseRows rows = sparse[p];
            if (rows == null) {
                if (m != null) update(w, g, m[p], v[p], 0, m[p].length, b1, b2, c1, c2, lrF, epsF, decay);
                else updateBf16(w, g, mb[p], vb[p], 0, param.tensor().size(), b1, b2, c1, c2, lrF, epsF, decay);
                continue;
            }
            int width = rows.width();
            for (int r = 0; r < rows.count(); r++) {
                int from = rows.row(r) * width;
                if (m != null) update(w, g, m[p], v[p], from, from + width, b1, b2, c1, c2, lrF, epsF, decay);
                else updateBf16(w, g, mb[p], vb[p], from, from + width, b1, b2, c1, c2, lrF, epsF, decay);
            }
            rows.clear();
        }
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * The update of elements [from, to), vectorized. Every lane does the scalar twin's float operations in the same
     * order (IEEE mul, add, div and sqrt, no fused multiply-add), so the result is bit-identical to
     * {@link #updateScalar}; resumed runs stay exact.
     */
    static void update(float[] w, float[] g, float[] m, float[] v, int from, int to,
                       float b1, float b2, float c1, float c2, float lr, float eps, float decay) {
        float ob1 = 1 - b1, ob2 = 1 - b2;
        int i = from;
        for (int bound = to - F.length(); i <= bound; i += F.length()) {
            FloatVector gi = FloatVector.fromArray(F, g, i);
            FloatVector mi = FloatVector.fromArray(F, m, i).mul(b1).add(gi.mul(ob1));
            FloatVector vi = FloatVector.fromArray(F, v, i).mul(b2).add(gi.mul(ob2).mul(gi));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector wi = FloatVector.fromArray(F, w, i);
            FloatVector step = mi.mul(c1).mul(lr).div(vi.mul(c2).sqrt().add(eps));
            wi.sub(step.add(wi.mul(decay))).intoArray(w, i);
        }
        updateScalar(w, g, m, v, i, to, b1, b2, c1, c2, lr, eps, decay);
    }

    /** Scalar twin of {@link #update}: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr m^ / (sqrt(v^) + eps) + decay w. */
    static void updateScalar(float[] w, float[] g, float[] m, float[] v, int from, int to,
                             float b1, float b2, float c1, float c2, float lr, float eps, float decay) {
        for (int i = from; i < to; i++) {
            float gi = g[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            float mh = m[i] * c1, vh = v[i] * c2;
            w[i] -= lr * mh / ((float) Math.sqrt(vh) + eps) + decay * w[i];
        }
    }

    /**
     * The update with bf16 moments: the same float operations as {@link #updateScalar}, on moments decoded from bf16
     * and rounded back (nearest, ties to even) before the weight step uses them.
     */
    static void updateBf16(float[] w, float[] g, short[] m, short[] v, int from, int to,
                           float b1, float b2, float c1, float c2, float lr, float eps, float decay) {
        for (int i = from; i < to; i++) {
            float gi = g[i];
            short mc = BFloat16.encode(b1 * BFloat16.decode(m[i]) + (1 - b1) * gi);
            short vc = BFloat16.encode(b2 * BFloat16.decode(v[i]) + (1 - b2) * gi * gi);
            m[i] = mc;
            v[i] = vc;
            float mh = BFloat16.decode(mc) * c1, vh = BFloat16.decode(vc) * c2;
            w[i] -= lr * mh / ((float) Math.sqrt(vh) + eps) + decay * w[i];
        }
    }

    /** Global L2 norm of all gradients. */
    public static double gradNorm(List<Parameter> params) {
        double s = 0;
        for (Parameter p : params) s += sumOfSquares(p.tensor().grad, p.tensor().size());
        return Math.sqrt(s);
    }

    /** sum g[i]^2 in double, over four interleaved partial sums (fixed order: the result does not vary run to run). */
    static double sumOfSquares(float[] g, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += (double) g[i] * g[i];
            s1 += (double) g[i + 1] * g[i + 1];
            s2 += (double) g[i + 2] * g[i + 2];
            s3 += (double) g[i + 3] * g[i + 3];
        }
        for (; i < n; i++) s0 += (double) g[i] * g[i];
        return (s0 + s1) + (s2 + s3);
    }

    /** Scales every gradient so the global norm is at most maxNorm; returns the norm before clipping. */
    public static double clipGradNorm(List<Parameter> params, double maxNorm) {
        double norm = gradNorm(params);
        if (maxNorm > 0 && norm > maxNorm) {
            float s = (float) (maxNorm / (norm + 1e-6));
            for (Parameter p : params) {
                float[] g = p.tensor().grad;
                for (int i = 0; i < p.tensor().size(); i++) g[i] *= s;
            }
        }
        return norm;
    }
}
