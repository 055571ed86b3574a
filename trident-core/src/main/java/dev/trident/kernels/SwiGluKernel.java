package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;

/** SwiGLU gate silu(g) * u, forward and backward; contract of {@link Reference#swigluForward} / backward. */
public final class SwiGluKernel {
    private static final int BLOCK = 4096;

    private SwiGluKernel() {}

    /** out = silu(g) * u = g * sigma(g) * u, sigma(g) = 1 / (1 + e^-g). */
    public static void forward(float[] gate, float[] up, float[] out, int n) {
        if ((long) (n + BLOCK - 1) / BLOCK * BLOCK < Parallel.MIN_WORK) { // decode: serial, no lambda to allocate
            forwardRange(gate, up, out, 0, n);
            return;
        }
        Parallel.forElements(n, BLOCK, (from, to, w) -> forwardRange(gate, up, out, from, to));
    }

    /** dGate = dOut * u * sigma * (1 + g (1 - sigma)), dUp = dOut * g * sigma. */
    public static void backward(float[] gate, float[] up, float[] dOut, float[] dGate, float[] dUp, int n) {
        Parallel.forElements(n, BLOCK, (from, to, w) -> backwardRange(gate, up, dOut, dGate, dUp, from, to));
    }

    /** {@link #forward} of elements [from, to) on the calling thread (callers that parallelize themselves). */
    public static void forwardRange(float[] gate, float[] up, float[] out, int from, int to) {
        var f = VecMath.F;
        int i = from;
        for (int bound = to - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector g = FloatVector.fromArray(f, gate, i);
            // sigma(g) written out rather than through sigmoid(): a vector returned from a helper C2 does not inline is boxed
            FloatVector sig = FloatVector.broadcast(VecMath.F, 1f).div(VecMath.exp(g.neg()).add(1f));
            g.mul(sig).mul(FloatVector.fromArray(f, up, i)).intoArray(out, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-g)));
            out[i] = g * sig * up[i];
        }
    }

    /** {@link #backward} of elements [from, to) on the calling thread. */
    public static void backwardRange(float[] gate, float[] up, float[] dOut, float[] dGate, float[] dUp, int from, int to) {
        var f = VecMath.F;
        int i = from;
        for (int bound = to - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector g = FloatVector.fromArray(f, gate, i);
            FloatVector sig = sigmoid(g);
            FloatVector d = FloatVector.fromArray(f, dOut, i);
            // silu'(g) = sigma + g sigma (1 - sigma) = sigma (1 + g (1 - sigma))
            FloatVector dsilu = sig.mul(g.mul(sig.neg().add(1f)).add(1f));
            d.mul(FloatVector.fromArray(f, up, i)).mul(dsilu).intoArray(dGate, i);
            d.mul(g.mul(sig)).intoArray(dUp, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-g)));
            dGate[i] = dOut[i] * up[i] * sig * (1 + g * (1 - sig));
            dUp[i] = dOut[i] * g * sig;
        }
    }

    /** sigma(g) = 1 / (1 + e^-g); e^-g = +inf for g << 0 gives sigma = 0, as it should. */
    static FloatVector sigmoid(FloatVector g) {
        return FloatVector.broadcast(VecMath.F, 1f).div(VecMath.exp(g.neg()).add(1f));
    }
}
