package dev.trident.kernels;

/**
 * Plain scalar twins of every fast kernel: the definition of what each kernel computes, written for clarity, not
 * speed. Tests hold the Vector API kernels to these on random shapes. All arrays are row-major.
 */
public final class Reference {
    private Reference() {}

    /** C = op(A) * op(B) + beta * C, op(X) = X or X^T. op(A) is M x K, op(B) is K x N, C is M x N. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = (float) (acc + (beta == 0 ? 0 : beta * c[ci]));
            }
        }
    }

    /** y[i] = sum_k W[i, k] x[k] for a row-major rows x cols matrix W. */
    public static void gemv(int rows, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < rows; i++) {
            double acc = 0;
            for (int p = 0; p < cols; p++) acc += (double) w[wOff + i * cols + p] * x[xOff + p];
            y[yOff + i] = (float) acc;
        }
    }

    /** y = x / rms(x) * w per row; invRms[r] = 1 / sqrt(mean(x^2) + eps) is saved for the backward pass. */
    public static void rmsNormForward(float[] x, float[] w, float[] y, float[] invRms, int rows, int dim, float eps) {
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[r * dim + i] * x[r * dim + i];
            float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
            if (invRms != null) invRms[r] = inv;
            for (int i = 0; i < dim; i++) y[r * dim + i] = x[r * dim + i] * inv * w[i];
        }
    }

    /**
     * Backward of RMSNorm. With xhat = x * inv: dx = inv * (dy*w - xhat * mean(dy*w*xhat)); dw += sum_rows dy * xhat.
     * dx is overwritten, dw accumulated.
     */
    public static void rmsNormBackward(float[] x, float[] w, float[] invRms, float[] dy, float[] dx, float[] dw,
                                       int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            float inv = invRms[r];
            double dot = 0;
            for (int i = 0; i < dim; i++) dot += (double) dy[r * dim + i] * w[i] * x[r * dim + i] * inv;
            float mean = (float) (dot / dim);
            for (int i = 0; i < dim; i++) {
                float xhat = x[r * dim + i] * inv;
                dx[r * dim + i] = inv * (dy[r * dim + i] * w[i] - xhat * mean);
                dw[i] += dy[r * dim + i] * xhat;
            }
        }
    }

    /**
     * Rotary position embedding in place, rotating pair i by angle pos * theta^(-2i/d); the pair is (x[2i], x[2i+1])
     * for the table's ADJACENT pairing (the GGUF `llama` convention), (x[i], x[i + d/2]) for HALVES (NEOX, Hugging
     * Face rotate_half). Row r of x holds `heads` vectors of `headDim`; its position is posStart + (r % period).
     * inverse = true rotates by the negative angle (the backward pass).
     */
    public static void rope(float[] x, int rows, int heads, int headDim, int posStart, int period,
                            RopeTable table, boolean inverse) {
        int half = headDim / 2;
        for (int r = 0; r < rows; r++) {
            int pos = posStart + (r % period);
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * headDim;
                boolean halves = table.pairing() == RopePairing.HALVES;
                for (int i = 0; i < half; i++) {
                    float c = table.cos(pos, i), s = table.sin(pos, i);
                    if (inverse) s = -s;
                    int a = base + (halves ? i : 2 * i), b = halves ? a + half : a + 1;
                    float x0 = x[a], x1 = x[b];
                    x[a] = x0 * c - x1 * s;
                    x[b] = x0 * s + x1 * c;
                }
            }
        }
    }

    /** out = silu(gate) * up, silu(g) = g * sigmoid(g). */
    public static void swigluForward(float[] gate, float[] up, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-g)));
            out[i] = g * sig * up[i];
        }
    }

    /** dGate = dOut * up * silu'(g), silu'(g) = sig * (1 + g * (1 - sig)); dUp = dOut * silu(g). Overwrites both. */
    public static void swigluBackward(float[] gate, float[] up, float[] dOut, float[] dGate, float[] dUp, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-g)));
            float silu = g * sig;
            dGate[i] = dOut[i] * up[i] * sig * (1 + g * (1 - sig));
            dUp[i] = dOut[i] * silu;
        }
    }

    /** Numerically stable softmax of x[off .. off+n) in place. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) x[off + i] *= inv;
    }

    /**
     * Causal grouped-query attention over B sequences of T tokens. q is [B*T, H*D], k and v are [B*T, Hkv*D]; query
     * head h reads kv head h / (H / Hkv). out is [B*T, H*D]; lse[(b*H + h)*T + t] receives the log-sum-exp of the
     * scaled scores of row t (saved for the backward pass).
     */
    public static void attentionForward(float[] q, float[] k, float[] v, float[] out, float[] lse,
                                        int batch, int seq, int heads, int kvHeads, int headDim, float scale) {
        int group = heads / kvHeads;
        int qStride = heads * headDim, kvStride = kvHeads * headDim;
        float[] s = new float[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                for (int t = 0; t < seq; t++) {
                    int qo = (b * seq + t) * qStride + h * headDim;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        int ko = (b * seq + u) * kvStride + kvh * headDim;
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) dot += (double) q[qo + d] * k[ko + d];
                        s[u] = (float) (dot * scale);
                        max = Math.max(max, s[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) sum += Math.exp(s[u] - max);
                    if (lse != null) lse[(b * heads + h) * seq + t] = (float) (max + Math.log(sum));
                    for (int d = 0; d < headDim; d++) {
                        double acc = 0;
                        for (int u = 0; u <= t; u++) {
                            int vo = (b * seq + u) * kvStride + kvh * headDim;
                            acc += Math.exp(s[u] - max) / sum * v[vo + d];
                        }
                        out[qo + d] = (float) acc;
                    }
                }
            }
        }
    }

    /**
     * Backward of {@link #attentionForward}. With P = softmax(S), S = scale * q k^T (causal):
     * dV = P^T dO, dP = dO V^T, dS = P * (dP - rowsum(dO * O)), dQ = scale * dS K, dK = scale * dS^T Q.
     * dq, dk, dv are overwritten.
     */
    public static void attentionBackward(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dOut,
                                         float[] dq, float[] dk, float[] dv,
                                         int batch, int seq, int heads, int kvHeads, int headDim, float scale) {
        int group = heads / kvHeads;
        int qStride = heads * headDim, kvStride = kvHeads * headDim;
        java.util.Arrays.fill(dq, 0, batch * seq * qStride, 0f);
        java.util.Arrays.fill(dk, 0, batch * seq * kvStride, 0f);
        java.util.Arrays.fill(dv, 0, batch * seq * kvStride, 0f);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                for (int t = 0; t < seq; t++) {
                    int qo = (b * seq + t) * qStride + h * headDim;
                    float l = lse[(b * heads + h) * seq + t];
                    double delta = 0;
                    for (int d = 0; d < headDim; d++) delta += (double) dOut[qo + d] * out[qo + d];
                    for (int u = 0; u <= t; u++) {
                        int ko = (b * seq + u) * kvStride + kvh * headDim;
                        double dot = 0, dp = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += (double) q[qo + d] * k[ko + d];
                            dp += (double) dOut[qo + d] * v[ko + d];
                        }
                        float p = (float) Math.exp(dot * scale - l);
                        float ds = (float) (p * (dp - delta));
                        for (int d = 0; d < headDim; d++) {
                            dv[ko + d] += p * dOut[qo + d];
                            dq[qo + d] += scale * ds * k[ko + d];
                            dk[ko + d] += scale * ds * q[qo + d];
                        }
                    }
                }
            }
        }
    }

    /**
     * Mean cross-entropy of rows of logits against targets (target < 0 = ignored). If dLogits is not null it
     * receives (softmax - onehot) / count, the gradient of the mean. Returns the mean loss in nats.
     */
    public static double crossEntropy(float[] logits, int[] targets, int rows, int vocab, float[] dLogits) {
        int count = 0;
        for (int r = 0; r < rows; r++) if (targets[r] >= 0) count++;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int off = r * vocab;
            if (targets[r] < 0) {
                if (dLogits != null) java.util.Arrays.fill(dLogits, off, off + vocab, 0f);
                continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
            double sum = 0;
            for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
            double logZ = max + Math.log(sum);
            total += logZ - logits[off + targets[r]];
            if (dLogits != null) {
                for (int i = 0; i < vocab; i++) {
                    double p = Math.exp(logits[off + i] - logZ);
                    dLogits[off + i] = (float) ((p - (i == targets[r] ? 1 : 0)) / count);
                }
            }
        }
        return count == 0 ? 0 : total / count;
    }

    /**
     * Attention of one query token over a KV cache (inference). q holds heads*headDim floats from qOff (head h at
     * qOff + h*headDim); the caches hold position p, kv head g, element x at cacheOff + p*kvStride + g*headDim + x;
     * the query attends to positions [0, len). out (heads*headDim from outOff) = softmax(scale * q k^T) v per head,
     * query head h reading kv head h / (heads / kvHeads).
     */
    public static void decodeAttention(float[] q, int qOff, float[] kCache, float[] vCache, int cacheOff,
                                       int kvStride, int len, int heads, int kvHeads, int headDim, float scale,
                                       float[] out, int outOff) {
        int group = heads / kvHeads;
        double[] s = new double[len];
        for (int h = 0; h < heads; h++) {
            int qo = qOff + h * headDim, kvo = cacheOff + (h / group) * headDim;
            double max = Double.NEGATIVE_INFINITY;
            for (int u = 0; u < len; u++) {
                double dot = 0;
                for (int d = 0; d < headDim; d++) dot += (double) q[qo + d] * kCache[kvo + u * kvStride + d];
                s[u] = dot * scale;
                max = Math.max(max, s[u]);
            }
            double sum = 0;
            for (int u = 0; u < len; u++) sum += Math.exp(s[u] - max);
            for (int d = 0; d < headDim; d++) {
                double acc = 0;
                for (int u = 0; u < len; u++) acc += Math.exp(s[u] - max) / sum * vCache[kvo + u * kvStride + d];
                out[outOff + h * headDim + d] = (float) acc;
            }
        }
    }

    /**
     * Several query tokens at once over a KV cache that already holds their keys and values (speculative-decoding
     * verification, chunked prefill): query i (heads*headDim floats at qOff + i*qStride) sits at absolute position
     * p0 + i and sees cache positions [0, p0 + i]; its output goes to outOff + i*outStride.
     */
    public static void decodeAttentionMany(float[] q, int qOff, int qStride, int nq, int p0,
                                           float[] kCache, float[] vCache, int cacheOff, int kvStride,
                                           int heads, int kvHeads, int headDim, float scale,
                                           float[] out, int outOff, int outStride) {
        for (int i = 0; i < nq; i++) {
            decodeAttention(q, qOff + i * qStride, kCache, vCache, cacheOff, kvStride, p0 + i + 1,
                    heads, kvHeads, headDim, scale, out, outOff + i * outStride);
        }
    }
}
