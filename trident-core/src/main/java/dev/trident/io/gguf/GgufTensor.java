package dev.trident.io.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a GGUF file: its name, element type, shape and a zero-copy view of its bytes.
 *
 * @param name   the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param type   how its elements are stored
 * @param shape  ggml dims, innermost first: {@code shape[0]} is the row length ({@code ne[0]}), so a PyTorch
 *               {@code [out, in]} weight is {@code {in, out}} here
 * @param offset where its bytes start, relative to the start of the file's data section
 * @param data   its bytes (a read-only slice of the mapped file), exactly {@code type.byteSize(...)} long
 */
public record GgufTensor(String name, GgmlType type, long[] shape, long offset, MemorySegment data) {

    public GgufTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dims (0 to 4). */
    public int rank() {
        return shape.length;
    }

    /** {@code ne[i]}, with 1 for dims past the rank as ggml does. */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    /** Number of elements (the product of the dims; the reader has checked it fits a long). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Number of rows: the element count divided by the row length {@code ne[0]}. */
    public long rows() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return n;
    }

    public long byteSize() {
        return data.byteSize();
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }
}
