package dev.trident.spark.diloco;

import dev.trident.nn.Parameters.Parameter;

import java.util.List;

/** A model's parameters as one float vector, in {@link dev.trident.nn.Parameters#all()} order: what DiLoCo ships. */
final class FlatParameters {
    private FlatParameters() {}

    static int size(List<Parameter> params) {
        long n = 0;
        for (Parameter p : params) n += p.tensor().size();
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("a model of " + n + " parameters does not fit one array");
        return (int) n;
    }

    static float[] of(List<Parameter> params) {
        float[] flat = new float[size(params)];
        int off = 0;
        for (Parameter p : params) {
            System.arraycopy(p.tensor().data, 0, flat, off, p.tensor().size());
            off += p.tensor().size();
        }
        return flat;
    }

    static void copyInto(float[] flat, List<Parameter> params) {
        if (flat.length != size(params)) throw new IllegalArgumentException(flat.length + " values for " + size(params) + " parameters");
        int off = 0;
        for (Parameter p : params) {
            System.arraycopy(flat, off, p.tensor().data, 0, p.tensor().size());
            off += p.tensor().size();
        }
    }
}
