package dev.trident.io.safetensors;

import dev.trident.TridentException;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its name, element type, shape and a zero-copy view of its bytes in the mapped
 * file. The view is valid while the {@link SafetensorsFile} is open.
 *
 * @param source the file it came from, for error messages
 */
public record SafetensorsTensor(String name, SafetensorsDType dtype, long[] shape, MemorySegment data, String source) {
    /** Largest element count {@link #toFloats} will put in one Java array. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** Number of elements (1 for a scalar, shape []). */
    public long count() {
        long n = 1;
        for (long d : shape) n *= d; // bounded by the reader: count * width = the bytes in the file
        return n;
    }

    /** The shape as ints; a TridentException if a dimension does not fit one. */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) throw fail("has a dimension of " + shape[i] + ", too large for this use");
            s[i] = (int) shape[i];
        }
        return s;
    }

    /** Element i as a float (any dtype). */
    public float getFloat(long i) {
        return dtype.get(data, i);
    }

    /** Every element as fp32 into dst[off, off + count). */
    public void readFloats(float[] dst, int off) {
        long n = count();
        if (n > dst.length - off) throw new IllegalArgumentException(name + ": " + n + " values do not fit in " + (dst.length - off));
        dtype.decode(data, 0, dst, off, (int) n);
    }

    /** Every element as fp32, in a new array; a TridentException if there are more than a Java array holds. */
    public float[] toFloats() {
        long n = count();
        if (n > MAX_ARRAY) throw fail("has " + n + " values, too many to load as one fp32 array");
        float[] out = new float[(int) n];
        readFloats(out, 0);
        return out;
    }

    /** A one-line error naming the file and this tensor. */
    public TridentException fail(String problem) {
        return new TridentException(source + ": tensor " + SafetensorsFile.quote(name) + " " + problem);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
