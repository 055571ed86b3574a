package dev.trident.io.gguf;

import dev.trident.autograd.Tensor;

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
     * Query or key rows of an architecture whose RoPE rotates the halves of a head, (x[i], x[i + d/2]), while
     * Trident rotates adjacent pairs (x[2i], x[2i+1]) at the same frequency theta^(-2i/d). Within each head of
     * width d, ggml row i holds Trident row 2i and ggml row d/2 + i holds Trident row 2i + 1; rotating the
     * reordered projection by halves then gives the reordered result of rotating by pairs, and q.k is unchanged
     * because q and k are reordered alike.
     */
    record HalvesRows(String parameter, int headDim) implements GgufLayout {
        public HalvesRows {
            if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("head width " + headDim + " must be even");
        }

        /** The Trident row inside a head that ggml row j (0 <= j < d) holds. */
        public int tridentRow(int j) {
            int half = headDim / 2;
            return j < half ? 2 * j : 2 * (j - half) + 1;
        }

        @Override
        public float[] gather(int part, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int cols = t.cols(), rows = t.rows();
            float[] out = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                int head = r / headDim;
                System.arraycopy(t.data, (head * headDim + tridentRow(r % headDim)) * cols, out, r * cols, cols);
            }
            return out;
        }

        @Override
        public void scatter(int part, float[] values, Function<String, Tensor> params) {
            Tensor t = params.apply(parameter);
            int cols = t.cols(), rows = t.rows();
            for (int r = 0; r < rows; r++) {
                int head = r / headDim;
                System.arraycopy(values, r * cols, t.data, (head * headDim + tridentRow(r % headDim)) * cols, cols);
            }
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
