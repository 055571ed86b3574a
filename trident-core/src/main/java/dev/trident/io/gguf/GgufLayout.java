package dev.trident.io.gguf;

import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopePairing;

import java.util.List;
import java.util.function.Function;

/**
 * How the elements of one GGUF tensor relate to Trident parameters. A GGUF tensor is row-major with {@code ne[0]}
 * innermost, so a Trident matrix [rows, cols] is the ggml tensor {cols, rows} with the same bytes; the other
 * layouts stack, split or reorder rows. The tensor is handled in {@link #parts()} parts of whole ggml rows (one
 * per expert for stacked experts), so no single array ever holds more than one Trident parameter's worth.
 *
 * <p>{@link #gather} builds part p's values in ggml order from the parameters (for export), {@link #scatter}
 * writes them back (for import); {@code params} looks a parameter up by its Trident (Hugging Face) name.
 */
public sealed interface GgufLayout {

    /** Number of parts, each a whole number of ggml rows; part p covers rows [p * rows / parts, (p+1) * rows / parts). */
    default int parts() {
        return 1;
    }

    /** Part p's values, row-major in ggml order. */
    float[] gather(int part, Function<String, Tensor> params);

    /** Stores part p's values (ggml order) into the parameters. */
    void scatter(int part, float[] values, Function<String, Tensor> params);

    /** The Trident parameters this tensor holds (in part order). */
    List<String> parameters();

    /** The same elements in the same order: a matrix [rows, cols] is ggml {cols, rows}; vectors are vectors. */
    record Plain(String parameter) implements GgufLayout {
        @Override
        public float[] gather(int part, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            return java.util.Arrays.copyOf(t.data, t.size());
        }

        @Override
        public void scatter(int part, float[] values, Function<String, Tensor> params) {
            System.arraycopy(values, 0, params.apply(parameter).data, 0, values.length);
        }

        @Override
        public List<String> parameters() {
            return List.of(parameter);
        }
    }

    /**
     * Rows RoPE rotates, stored in another pairing than the Trident model uses (see {@link RopePairing}). The
     * parameter's rows come in blocks of {@code stride} (one head, or MLA's [c_kv ; k_pe] row group); rows
     * [offset, offset + width) of each block are the rotated ones and are reordered, the others are copied as
     * they are. Reordering q and k alike leaves q.k unchanged, and the rotation of pair i (angle pos *
     * theta^(-2i/d)) moves with its two coordinates, so both layouts compute the same attention. A 1-D
     * parameter (a QK-norm gain of one head) is a column of single-value rows.
     */
    record RopeRows(String parameter, int stride, int offset, int width, RopePairing trident, RopePairing stored)
            implements GgufLayout {
        public RopeRows {
            if (width <= 0 || width % 2 != 0 || offset < 0 || offset + width > stride)
                throw new IllegalArgumentException("rotated rows [" + offset + ", " + (offset + width) + ") of " + stride);
        }

        /** The Trident row that ggml row r holds. */
        public int tridentRow(int r) {
            int within = r % stride;
            if (within < offset || within >= offset + width) return r;
            int adjacent = stored.toAdjacent(within - offset, width);
            int t = trident == RopePairing.ADJACENT ? adjacent : adjacent % 2 == 0 ? adjacent / 2 : adjacent / 2 + width / 2;
            return r - within + offset + t;
        }

        @Override
        public float[] gather(int part, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int cols = t.rank() == 1 ? 1 : t.cols(), rows = t.size() / cols;
            float[] out = new float[rows * cols];
            for (int r = 0; r < rows; r++) System.arraycopy(t.data, tridentRow(r) * cols, out, r * cols, cols);
            return out;
        }

        @Override
        public void scatter(int part, float[] values, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int cols = t.rank() == 1 ? 1 : t.cols(), rows = t.size() / cols;
            for (int r = 0; r < rows; r++) System.arraycopy(values, r * cols, t.data, tridentRow(r) * cols, cols);
        }

        @Override
        public List<String> parameters() {
            return List.of(parameter);
        }
    }

    /** Routed experts stacked into one 3-D tensor {cols, rows, experts}: part e is expert e's matrix. */
    record Experts(List<String> parameters) implements GgufLayout {
        public Experts {
            parameters = List.copyOf(parameters);
        }

        @Override
        public int parts() {
            return parameters.size();
        }

        @Override
        public float[] gather(int part, Function<String, Tensor> params) {
            Tensor t = params.apply(parameters.get(part));
            return java.util.Arrays.copyOf(t.data, t.size());
        }

        @Override
        public void scatter(int part, float[] values, Function<String, Tensor> params) {
            System.arraycopy(values, 0, params.apply(parameters.get(part)).data, 0, values.length);
        }
    }

    /**
     * MLA's W_UK as llama.cpp's {@code attn_k_b} {nope, kv_lora_rank, heads}: the first nope rows of each head of
     * Trident's kv_b_proj [heads * (nope + v), kv_lora_rank], transposed per head (the absorbed query
     * q_nope W_UK is then one matrix product per head). Element (j, r, h) = kv_b[h * (nope + v) + j][r].
     */
    record KeyUp(String parameter, int heads, int nope, int v) implements GgufLayout {
        @Override
        public float[] gather(int part, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int rank = t.cols();
            float[] out = new float[heads * rank * nope];
            for (int h = 0; h < heads; h++)
                for (int r = 0; r < rank; r++)
                    for (int j = 0; j < nope; j++) out[(h * rank + r) * nope + j] = t.data[(h * (nope + v) + j) * rank + r];
            return out;
        }

        @Override
        public void scatter(int part, float[] values, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int rank = t.cols();
            for (int h = 0; h < heads; h++)
                for (int r = 0; r < rank; r++)
                    for (int j = 0; j < nope; j++) t.data[(h * (nope + v) + j) * rank + r] = values[(h * rank + r) * nope + j];
        }

        @Override
        public List<String> parameters() {
            return List.of(parameter);
        }
    }

    /**
     * MLA's W_UV as llama.cpp's {@code attn_v_b} {kv_lora_rank, v, heads}: the last v rows of each head of
     * kv_b_proj, as they are. Row (h, i) = kv_b row h * (nope + v) + nope + i.
     */
    record ValueUp(String parameter, int heads, int nope, int v) implements GgufLayout {
        @Override
        public float[] gather(int part, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int rank = t.cols();
            float[] out = new float[heads * v * rank];
            for (int h = 0; h < heads; h++)
                System.arraycopy(t.data, (h * (nope + v) + nope) * rank, out, h * v * rank, v * rank);
            return out;
        }

        @Override
        public void scatter(int part, float[] values, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int rank = t.cols();
            for (int h = 0; h < heads; h++)
                System.arraycopy(values, h * v * rank, t.data, (h * (nope + v) + nope) * rank, v * rank);
        }

        @Override
        public List<String> parameters() {
            return List.of(parameter);
        }
    }
}
