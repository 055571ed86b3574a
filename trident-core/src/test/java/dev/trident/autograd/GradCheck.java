package dev.trident.autograd;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference gradient check. The op under test maps its inputs to an output tensor; the check reduces it to
 * a scalar L = sum(out * R) with a fixed random R, runs backward, and compares every input gradient with the
 * central difference (L(x + h) - L(x - h)) / 2h computed in double from float forwards.
 */
final class GradCheck {
    private GradCheck() {}

    static Tensor random(Random rng, boolean requiresGrad, int... shape) {
        Tensor t = Tensor.zeros(requiresGrad, shape);
        for (int i = 0; i < t.size(); i++) t.data[i] = (float) rng.nextGaussian();
        return t;
    }

    /** Asserts analytic == numeric for every element of every input, within atol + rtol * |numeric|. */
    static void check(String name, List<Tensor> inputs, Function<Tape, Tensor> op, long seed, double tol) {
        Tape probe = new Tape();
        Tensor out0 = op.apply(probe);
        int outSize = out0.size();
        probe.reset();
        float[] r = new float[outSize];
        Random rng = new Random(seed);
        for (int i = 0; i < outSize; i++) r[i] = (float) rng.nextGaussian();

        for (Tensor in : inputs) in.grad = null;
        Tape tape = new Tape();
        Tensor out = op.apply(tape);
        Tensor loss = weightedSum(tape, out, r);
        tape.backward(loss);
        float[][] analytic = new float[inputs.size()][];
        for (int j = 0; j < inputs.size(); j++) {
            Tensor in = inputs.get(j);
            analytic[j] = in.grad == null ? new float[in.size()] : in.grad.clone();
        }
        tape.reset();

        double worst = 0;
        String where = "";
        for (int j = 0; j < inputs.size(); j++) {
            Tensor in = inputs.get(j);
            if (!in.requiresGrad) continue;
            for (int i = 0; i < in.size(); i++) {
                float saved = in.data[i];
                double h = 3e-3 * Math.max(1, Math.abs(saved));
                in.data[i] = (float) (saved + h);
                double lp = eval(op, r);
                in.data[i] = (float) (saved - h);
                double lm = eval(op, r);
                in.data[i] = saved;
                double numeric = (lp - lm) / (2 * h);
                double err = Math.abs(numeric - analytic[j][i]) / (tol + tol * Math.abs(numeric));
                if (err > worst) {
                    worst = err;
                    where = "input " + j + " element " + i + ": analytic " + analytic[j][i] + " numeric " + numeric;
                }
            }
        }
        assertTrue(worst <= 1, name + " gradient mismatch at " + where);
    }

    private static double eval(Function<Tape, Tensor> op, float[] r) {
        Tape t = new Tape(); // recording, as in training (dropout masks, balance losses), but never run backward
        Tensor out = op.apply(t);
        double s = 0;
        for (int i = 0; i < r.length; i++) s += (double) out.data[i] * r[i];
        t.reset();
        return s;
    }

    private static Tensor weightedSum(Tape tape, Tensor x, float[] r) {
        Tensor out = tape.tensor(1);
        double s = 0;
        for (int i = 0; i < r.length; i++) s += (double) x.data[i] * r[i];
        out.data[0] = (float) s;
        tape.record(() -> {
            float[] g = tape.grad(x);
            for (int i = 0; i < r.length; i++) g[i] += out.grad[0] * r[i];
        });
        return out;
    }
}
