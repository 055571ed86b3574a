package dev.trident.nn;

import dev.trident.autograd.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The named trainable tensors of a model, in creation order. Names follow the Hugging Face Llama layout
 * (e.g. {@code model.layers.0.self_attn.q_proj.weight}) so checkpoints read like the ecosystem's.
 */
public final class Parameters {
    /** A trainable tensor; decay says whether AdamW applies weight decay to it (matrices yes, norms no). */
    public record Parameter(String name, Tensor tensor, boolean decay) {}

    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    /** null: matrices are left at zero (the weights are about to be loaded). */
    private final SplittableRandom rng;

    /** Parameters initialized from the given seed (normal(0, std) for matrices, ones for norms). */
    public Parameters(long seed) {
        this.rng = new SplittableRandom(seed);
    }

    private Parameters() {
        this.rng = null;
    }

    /** Parameters whose matrices stay zero (norms still one): for loaders that overwrite every tensor. */
    public static Parameters unset() {
        return new Parameters();
    }

    /** A matrix [rows, cols] drawn from normal(0, std). */
    public Tensor matrix(String name, int rows, int cols, double std) {
        Tensor t = add(name, true, rows, cols);
        if (rng == null) return t;
        for (int i = 0; i < t.size(); i++) t.data[i] = (float) (gaussian() * std);
        return t;
    }

    /** A vector of ones (a norm's gain). */
    public Tensor ones(String name, int n) {
        Tensor t = add(name, false, n);
        java.util.Arrays.fill(t.data, 1f);
        return t;
    }

    /** A vector of zeros that is not decayed (biases). */
    public Tensor zerosVector(String name, int n) {
        return add(name, false, n);
    }

    private Tensor add(String name, boolean decay, int... shape) {
        if (byName.containsKey(name)) throw new IllegalArgumentException("duplicate parameter " + name);
        Tensor t = Tensor.zeros(true, shape);
        t.zeroGrad();
        byName.put(name, new Parameter(name, t, decay));
        return t;
    }

    private double gaussian() {
        // Box-Muller from the seeded generator, so initialization is reproducible everywhere.
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }

    public List<Parameter> all() {
        return Collections.unmodifiableList(new ArrayList<>(byName.values()));
    }

    public Parameter get(String name) {
        return byName.get(name);
    }

    public long count() {
        long n = 0;
        for (Parameter p : byName.values()) n += p.tensor().size();
        return n;
    }

    public void zeroGrads() {
        for (Parameter p : byName.values()) p.tensor().zeroGrad();
    }
}
