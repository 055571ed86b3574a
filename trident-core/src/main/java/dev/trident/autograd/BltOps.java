package dev.trident.autograd;

import dev.trident.kernels.RangeAttention;

import java.util.Arrays;

/**
 * The differentiable ops the Byte Latent Transformer adds to {@link Ops}: hashed n-gram embeddings summed into
 * byte embeddings (with sparse row tracking), max-pooling of byte states into patches, attention over one key range
 * per query (cross-attention between bytes and patches, sliding windows), and a free reshape.
 */
public final class BltOps {
    private BltOps() {}

    /**
     * out[i] = sum_t tables[t][ids[t][i]]: a byte embedding plus hashed n-gram embeddings, [N] -> [N, d]. The rows
     * backward touches are marked in rows[t] (null for a table updated densely), so the optimizer can update only
     * them.
     */
    public static Tensor embeddingSum(Tape tape, Tensor[] tables, int[][] ids, SparseRows[] rows) {
        int n = ids[0].length, d = tables[0].cols();
        Tensor out = tape.tensor(n, d);
        Arrays.fill(out.data, 0, n * d, 0f);
        for (int t = 0; t < tables.length; t++) {
            Tensor table = tables[t];
            if (table.cols() != d || ids[t].length != n) throw new IllegalArgumentException("embeddingSum: table " + t + " is " + table + " for " + ids[t].length + " ids");
            int vocab = table.rows();
            for (int i = 0; i < n; i++) {
                int id = ids[t][i];
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("id " + id + " outside table " + t + " of " + vocab + " rows");
                for (int j = 0, o = id * d; j < d; j++) out.data[i * d + j] += table.data[o + j];
            }
        }
        tape.record(() -> {
            if (out.grad == null) return;
            for (int t = 0; t < tables.length; t++) {
                if (!tables[t].requiresGrad) continue;
                float[] g = tape.grad(tables[t]);
                SparseRows marks = rows == null ? null : rows[t];
                for (int i = 0; i < n; i++) {
                    int id = ids[t][i];
                    if (marks != null) marks.mark(id);
                    for (int j = 0, o = id * d; j < d; j++) g[o + j] += out.grad[i * d + j];
                }
            }
        });
        return out;
    }

    /**
     * Max-pooling of row segments: x [N, d] -> [S, d], out[s][j] = max of x[r][j] over r in [from[s], to[s]); an
     * empty segment gives zeros. The gradient goes to the row that held the maximum (the first, on ties).
     */
    public static Tensor segmentMaxPool(Tape tape, Tensor x, int[] from, int[] to) {
        int segments = from.length, d = x.cols();
        Tensor out = tape.tensor(segments, d);
        int[] argmax = new int[segments * d];
        for (int s = 0; s < segments; s++) {
            if (to[s] <= from[s]) {
                Arrays.fill(out.data, s * d, (s + 1) * d, 0f);
                Arrays.fill(argmax, s * d, (s + 1) * d, -1);
                continue;
            }
            System.arraycopy(x.data, from[s] * d, out.data, s * d, d);
            Arrays.fill(argmax, s * d, (s + 1) * d, from[s]);
            for (int r = from[s] + 1; r < to[s]; r++)
                for (int j = 0; j < d; j++)
                    if (x.data[r * d + j] > out.data[s * d + j]) {
                        out.data[s * d + j] = x.data[r * d + j];
                        argmax[s * d + j] = r;
                    }
        }
        tape.record(() -> {
            if (out.grad == null || !x.requiresGrad) return;
            float[] g = tape.grad(x);
            for (int s = 0; s < segments; s++)
                for (int j = 0; j < d; j++) {
                    int r = argmax[s * d + j];
                    if (r >= 0) g[r * d + j] += out.grad[s * d + j];
                }
        });
        return out;
    }

    /**
     * Attention where query row i sees key rows [lo[i], hi[i]) only: q [Nq, H*D], k and v [Nk, Hkv*D] -> [Nq, H*D].
     * A query with an empty range gets a zero row.
     */
    public static Tensor rangeAttention(Tape tape, Tensor q, Tensor k, Tensor v, int[] lo, int[] hi,
                                        int heads, int kvHeads, int headDim, float scale) {
        int rows = q.rows(), keys = k.rows();
        if (q.cols() != heads * headDim || k.cols() != kvHeads * headDim || v.cols() != k.cols() || v.rows() != keys
                || lo.length < rows || hi.length < rows)
            throw new IllegalArgumentException("rangeAttention: q " + q + ", k " + k + ", v " + v + " for " + heads + "/" + kvHeads + " heads of " + headDim);
        for (int i = 0; i < rows; i++)
            if (lo[i] < 0 || hi[i] > keys || (hi[i] > lo[i] && lo[i] >= keys))
                throw new IllegalArgumentException("rangeAttention: row " + i + " range [" + lo[i] + ", " + hi[i] + ") outside " + keys + " keys");
        Tensor out = tape.tensor(rows, heads * headDim);
        float[] lse = tape.buffer(rows * heads);
        RangeAttention.forward(q.data, k.data, v.data, lo, hi, out.data, lse, rows, heads, kvHeads, headDim, scale);
        tape.record(() -> {
            if (out.grad == null) return;
            float[] dq = tape.buffer(q.size()), dk = tape.buffer(k.size()), dv = tape.buffer(v.size());
            RangeAttention.backward(q.data, k.data, v.data, lo, hi, out.data, lse, out.grad, dq, dk, dv,
                    rows, keys, heads, kvHeads, headDim, scale);
            if (q.requiresGrad) Ops.addInto(tape.grad(q), dq, q.size());
            if (k.requiresGrad) Ops.addInto(tape.grad(k), dk, k.size());
            if (v.requiresGrad) Ops.addInto(tape.grad(v), dv, v.size());
        });
        return out;
    }

    /**
     * The same values seen with another shape of equal size (e.g. [patches, k*d] as [patches*k, d]): no copy; the
     * gradient of the view is added to x's.
     */
    public static Tensor view(Tape tape, Tensor x, int... shape) {
        Tensor out = new Tensor(x.data, x.requiresGrad && tape.recording(), shape);
        if (out.size() != x.size()) throw new IllegalArgumentException("view of " + x + " as " + Arrays.toString(shape));
        tape.record(() -> {
            if (out.grad == null || !x.requiresGrad) return;
            Ops.addInto(tape.grad(x), out.grad, x.size());
        });
        return out;
    }

    /** Key ranges of causal attention over a sliding window: row t of each sequence sees [t - window + 1, t]. */
    public static int[][] slidingWindow(int batch, int seq, int window) {
        int[] lo = new int[batch * seq], hi = new int[batch * seq];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < seq; t++) {
                lo[b * seq + t] = b * seq + Math.max(0, t - window + 1);
                hi[b * seq + t] = b * seq + t + 1;
            }
        return new int[][]{lo, hi};
    }
}
