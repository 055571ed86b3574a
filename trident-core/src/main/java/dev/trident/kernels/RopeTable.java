package dev.trident.kernels;

/**
 * Precomputed RoPE angles: cos and sin of pos * theta^(-2i/d) for every position below maxPositions and every pair
 * i below d/2 (frequencies and magnitudes changed by a {@link RopeScaling} if given), and which coordinates form pair
 * i ({@link RopePairing}).
 */
public final class RopeTable {
    private final int pairs;
    private final RopePairing pairing;
    private final RopeScaling scaling;
    private final int maxPositions;
    private final float[] cos;
    private final float[] sin;

    /** Adjacent pairs (Trident's default). */
    public RopeTable(int headDim, int maxPositions, double theta) {
        this(headDim, maxPositions, theta, RopePairing.ADJACENT);
    }

    public RopeTable(int headDim, int maxPositions, double theta, RopePairing pairing) {
        this(headDim, maxPositions, theta, pairing, null);
    }

    /** scaling null: plain RoPE. */
    public RopeTable(int headDim, int maxPositions, double theta, RopePairing pairing, RopeScaling scaling) {
        this.pairing = java.util.Objects.requireNonNull(pairing, "pairing");
        this.scaling = scaling;
        if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dimension, got " + headDim);
        this.pairs = headDim / 2;
        this.maxPositions = maxPositions;
        this.cos = new float[maxPositions * pairs];
        this.sin = new float[maxPositions * pairs];
        double[] freq = new double[pairs];
        for (int i = 0; i < pairs; i++) freq[i] = Math.pow(theta, -2.0 * i / headDim);
        if (scaling != null) freq = scaling.frequencies(headDim, theta);
        double magnitude = scaling == null ? 1 : scaling.cosSinFactor();
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < pairs; i++) {
                double angle = p * freq[i];
                cos[p * pairs + i] = (float) (Math.cos(angle) * magnitude);
                sin[p * pairs + i] = (float) (Math.sin(angle) * magnitude);
            }
        }
    }

    public int pairs() { return pairs; }

    public RopePairing pairing() { return pairing; }

    /** The scaling the angles were computed with, or null. */
    public RopeScaling scaling() { return scaling; }

    /** What attention over these rotations multiplies its softmax scale by (YaRN's mscale^2 for MLA; 1 otherwise). */
    public double softmaxFactor() { return scaling == null ? 1 : scaling.softmaxFactor(); }

    public int maxPositions() { return maxPositions; }

    public float cos(int pos, int pair) { return cos[pos * pairs + pair]; }

    public float sin(int pos, int pair) { return sin[pos * pairs + pair]; }

    /** Row of cos values for one position (pairs entries starting at the returned offset in {@link #cosArray()}). */
    public int offset(int pos) { return pos * pairs; }

    public float[] cosArray() { return cos; }

    public float[] sinArray() { return sin; }
}
