package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;

/**
 * The DeepSeek-V3 router. Each routed expert i has a centroid e_i; a token u gets affinities s_i = sigmoid(u . e_i)
 * (or a softmax over experts). The K experts are chosen on s_i + b_i, where b_i is the balancing bias, but the gate
 * weights use s alone: g_i = s_i / sum_{j in topK} s_j * routedScale. b is nudged after every optimizer step
 * ({@link #updateBias}) so overloaded experts get picked less: auxiliary-loss-free load balancing.
 */
public final class Router {
    public final MoeSpec spec;
    /** Centroids e_i, [N_r, d]. */
    public final Tensor weight;
    /** The selection bias b_i, [N_r]; saved with the weights, never trained by gradient. */
    public final Tensor bias;
    /** Tokens routed to each expert since the last {@link #takeLoad()}. */
    private final long[] load;

    /** The routing of a batch: chosen experts [N * K] (slot-major per token) and their gate weights [N, K]. */
    public record Routing(int[] experts, Tensor gates, Tensor logits) {}

    public Router(Parameters params, String name, MoeSpec spec, double std) {
        this.spec = spec;
        this.weight = params.matrix(name + ".weight", spec.routedExperts(), spec.dim(), std);
        this.bias = params.zerosVector(name + ".e_score_correction_bias", spec.routedExperts());
        this.load = new long[spec.routedExperts()];
    }

    /** Routes x [N, d]: picks K experts per token, returns differentiable gate weights. */
    public Routing route(Tape tape, Tensor x) {
        Tensor logits = Ops.linearExact(tape, x, weight); // the router stays in fp32 under FP8 training
        int n = x.rows(), e = spec.routedExperts(), k = spec.activeExperts();
        float[] s = tape.buffer(n * e);
        affinities(logits.data, s, n);
        int[] chosen = new int[n * k];
        select(s, n, chosen);
        if (tape.recording()) for (int i : chosen) load[i]++;
        Tensor gates = gates(tape, logits, s, chosen, n);
        return new Routing(chosen, gates, logits);
    }

    /**
     * For each of n tokens, the K experts with the largest s_i + b_i (ties to the lower index), into chosen[t*K..].
     * With expert groups (n_group > 1) only experts of the token's topk_group best groups are candidates (DeepSeek-V3's
     * node-limited routing; see {@link MoeSpec} for the group score).
     */
    public void select(float[] s, int n, int[] chosen) {
        select(spec, bias.data, s, n, chosen);
    }

    /** {@link #select} for a router given by its sizes and bias alone (the inference runtime's weights). */
    public static void select(MoeSpec spec, float[] b, float[] s, int n, int[] chosen) {
        int e = spec.routedExperts(), k = spec.activeExperts(), size = spec.groupSize();
        boolean grouped = spec.groups() > 1;
        boolean[] allowed = grouped ? new boolean[spec.groups()] : null;
        float[] groupScore = grouped ? new float[spec.groups()] : null;
        for (int t = 0; t < n; t++) {
            if (grouped) chooseGroups(spec, b, s, t * e, groupScore, allowed);
            for (int slot = 0; slot < k; slot++) {
                int best = -1;
                float bestScore = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < e; i++) {
                    if (grouped && !allowed[i / size]) continue;
                    float score = s[t * e + i] + b[i];
                    if ((best < 0 || score > bestScore) && !taken(chosen, t * k, slot, i)) {
                        bestScore = score;
                        best = i;
                    }
                }
                chosen[t * k + slot] = best;
            }
        }
    }

    /** Marks in allowed the topk_group groups with the best scores for the token whose affinities start at off. */
    private static void chooseGroups(MoeSpec spec, float[] b, float[] s, int off, float[] groupScore, boolean[] allowed) {
        int size = spec.groupSize();
        boolean topTwo = spec.gating() == MoeSpec.Gating.SIGMOID && size >= 2;
        for (int g = 0; g < groupScore.length; g++) {
            float first = Float.NEGATIVE_INFINITY, second = Float.NEGATIVE_INFINITY;
            for (int i = g * size; i < (g + 1) * size; i++) {
                float v = s[off + i] + b[i];
                if (v > first) {
                    second = first;
                    first = v;
                } else if (v > second) {
                    second = v;
                }
            }
            groupScore[g] = topTwo ? first + second : first;
            allowed[g] = false;
        }
        for (int pick = 0; pick < spec.topkGroups(); pick++) {
            int best = -1;
            for (int g = 0; g < groupScore.length; g++)
                if (!allowed[g] && (best < 0 || groupScore[g] > groupScore[best])) best = g;
            allowed[best] = true;
        }
    }

    private static boolean taken(int[] chosen, int base, int slots, int expert) {
        for (int j = 0; j < slots; j++) if (chosen[base + j] == expert) return true;
        return false;
    }

    /** s = sigmoid(logits) or softmax over the experts of each token, for n tokens. */
    public void affinities(float[] logits, float[] s, int n) {
        affinities(spec, logits, s, n);
    }

    /** {@link #affinities} for a router given by its sizes. */
    public static void affinities(MoeSpec spec, float[] logits, float[] s, int n) {
        int e = spec.routedExperts();
        if (spec.gating() == MoeSpec.Gating.SIGMOID) {
            for (int i = 0; i < n * e; i++) s[i] = (float) (1 / (1 + Math.exp(-logits[i])));
        } else {
            for (int t = 0; t < n; t++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < e; i++) max = Math.max(max, logits[t * e + i]);
                double sum = 0;
                for (int i = 0; i < e; i++) sum += s[t * e + i] = (float) Math.exp(logits[t * e + i] - max);
                for (int i = 0; i < e; i++) s[t * e + i] /= (float) sum;
            }
        }
    }

    private boolean normalizes() {
        return normalizes(spec);
    }

    private static boolean normalizes(MoeSpec spec) {
        return spec.normalizeTopK() || spec.gating() == MoeSpec.Gating.SIGMOID;
    }

    /** g[t, k] = scale * s_k / S, S = the sum of the chosen s (or 1 without normalization). */
    public void gateWeights(float[] s, int[] chosen, int n, float[] g) {
        gateWeights(spec, s, chosen, n, g);
    }

    /** {@link #gateWeights} for a router given by its sizes. */
    public static void gateWeights(MoeSpec spec, float[] s, int[] chosen, int n, float[] g) {
        int e = spec.routedExperts(), k = spec.activeExperts();
        float scale = (float) spec.routedScale();
        boolean normalizes = normalizes(spec);
        for (int t = 0; t < n; t++) {
            float sum = 0;
            for (int j = 0; j < k; j++) sum += s[t * e + chosen[t * k + j]];
            float denom = normalizes ? sum : 1f;
            for (int j = 0; j < k; j++) g[t * k + j] = scale * s[t * e + chosen[t * k + j]] / denom;
        }
    }

    /**
     * Gate weights g[t, k] = scale * s_k / S (S = sum of the chosen s when normalizing, else 1), with backward into
     * the logits through s.
     */
    private Tensor gates(Tape tape, Tensor logits, float[] s, int[] chosen, int n) {
        int e = spec.routedExperts(), k = spec.activeExperts();
        boolean norm = normalizes();
        float scale = (float) spec.routedScale();
        Tensor g = tape.tensor(n, k);
        gateWeights(s, chosen, n, g.data);
        tape.record(() -> {
            if (g.grad == null || !logits.requiresGrad) return;
            float[] ds = tape.zeros(n * e);
            for (int t = 0; t < n; t++) {
                float sum = 0, dot = 0;
                for (int j = 0; j < k; j++) {
                    float sj = s[t * e + chosen[t * k + j]];
                    sum += sj;
                    dot += g.grad[t * k + j] * sj;
                }
                for (int j = 0; j < k; j++) {
                    int i = chosen[t * k + j];
                    // d g_j / d s_m = scale (delta_jm / S - s_j / S^2) when normalizing, scale delta_jm otherwise
                    ds[t * e + i] += norm ? scale * (g.grad[t * k + j] / sum - dot / (sum * sum)) : scale * g.grad[t * k + j];
                }
            }
            backAffinities(ds, s, tape.grad(logits), n);
        });
        return g;
    }

    /** Adds d(loss)/d(logits) given d(loss)/d(s). */
    private void backAffinities(float[] ds, float[] s, float[] dLogits, int n) {
        int e = spec.routedExperts();
        if (spec.gating() == MoeSpec.Gating.SIGMOID) {
            for (int i = 0; i < n * e; i++) dLogits[i] += ds[i] * s[i] * (1 - s[i]);
        } else {
            for (int t = 0; t < n; t++) {
                float dot = 0;
                for (int i = 0; i < e; i++) dot += ds[t * e + i] * s[t * e + i];
                for (int i = 0; i < e; i++) dLogits[t * e + i] += s[t * e + i] * (ds[t * e + i] - dot);
            }
        }
    }

    /**
     * DeepSeek-V3's sequence-wise balance loss, averaged over the batch's sequences: alpha * sum_i f_i P_i with
     * f_i = N_r / (K T) * (tokens of the sequence routed to i) and P_i = mean over the sequence of s_i / sum_j s_j.
     */
    public Tensor balanceLoss(Tape tape, Routing routing, int batch, int seq) {
        Tensor logits = routing.logits();
        int e = spec.routedExperts(), k = spec.activeExperts(), n = batch * seq;
        float[] s = tape.buffer(n * e);
        affinities(logits.data, s, n);
        float[] f = tape.zeros(batch * e);
        for (int t = 0; t < n; t++)
            for (int j = 0; j < k; j++) f[(t / seq) * e + routing.experts()[t * k + j]] += (float) e / (k * seq);
        float[] sums = tape.buffer(n);
        double loss = 0;
        for (int t = 0; t < n; t++) {
            float sum = 0;
            for (int i = 0; i < e; i++) sum += s[t * e + i];
            sums[t] = sum;
            for (int i = 0; i < e; i++) loss += f[(t / seq) * e + i] * s[t * e + i] / sum / seq;
        }
        float alpha = (float) spec.balanceAlpha();
        Tensor out = tape.tensor(1);
        out.data[0] = (float) (alpha * loss / batch);
        tape.record(() -> {
            if (out.grad == null || !logits.requiresGrad) return;
            float up = out.grad[0] * alpha / (batch * seq);
            float[] ds = tape.zeros(n * e);
            for (int t = 0; t < n; t++) {
                // L_t = sum_i f_i s_i / S;  dL_t/ds_m = f_m / S - sum_i f_i s_i / S^2
                float sum = sums[t], fs = 0;
                int row = (t / seq) * e;
                for (int i = 0; i < e; i++) fs += f[row + i] * s[t * e + i];
                for (int m = 0; m < e; m++) ds[t * e + m] = up * (f[row + m] / sum - fs / (sum * sum));
            }
            backAffinities(ds, s, tape.grad(logits), n);
        });
        return out;
    }

    /** Returns and clears the per-expert token counts accumulated since the last call. */
    public long[] takeLoad() {
        synchronized (load) {
            long[] copy = load.clone();
            java.util.Arrays.fill(load, 0);
            return copy;
        }
    }

    /** Auxiliary-loss-free balancing: b_i += gamma * sign(mean load - load_i). */
    public void updateBias(long[] stepLoad) {
        double gamma = spec.biasUpdateRate();
        if (gamma == 0) return;
        double mean = 0;
        for (long l : stepLoad) mean += l;
        mean /= stepLoad.length;
        for (int i = 0; i < stepLoad.length; i++) bias.data[i] += (float) (gamma * Math.signum(mean - stepLoad[i]));
    }

    /** MaxVio = max load / mean load - 1 (0 is perfect balance). */
    public static double maxViolation(long[] load) {
        long max = 0, sum = 0;
        for (long l : load) {
            max = Math.max(max, l);
            sum += l;
        }
        return sum == 0 ? 0 : max / ((double) sum / load.length) - 1;
    }
}
