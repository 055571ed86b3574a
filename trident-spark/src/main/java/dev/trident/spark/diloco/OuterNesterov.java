package dev.trident.spark.diloco;

/**
 * DiLoCo's outer optimizer: SGD with Nesterov momentum on the outer gradient Delta (the mean change the workers
 * made), as PyTorch's SGD(nesterov=True) computes it: b = mu b + Delta; theta -= lr (Delta + mu b). The paper uses
 * lr = 0.7, mu = 0.9. With lr = 1 and mu = 0 it is plain averaging of the workers' parameters.
 */
public final class OuterNesterov {
    private final float lr, mu;
    private final float[] momentum;

    public OuterNesterov(int size, double lr, double mu) {
        this.lr = (float) lr;
        this.mu = (float) mu;
        this.momentum = new float[size];
    }

    public void step(float[] theta, float[] delta) {
        for (int i = 0; i < theta.length; i++) {
            float b = mu * momentum[i] + delta[i];
            momentum[i] = b;
            theta[i] -= lr * (delta[i] + mu * b);
        }
    }

    /** The momentum buffer b (checkpointed with the parameters). */
    public float[] momentum() {
        return momentum;
    }
}
