package dev.trident.kernels;

/**
 * Precomputed RoPE angles: cos and sin of pos * theta^(-2i/d) for every position below maxPositions and every pair
 * i below d/2, and which coordinates form pair i ({@link RopePairing}).
 */
public final class RopeTable {
    private final int pairs;
    private final RopePairing pairing;
    private final int maxPositions;
    private final float[] cos;
    private final float[] sin;

    /** Adjacent pairs (Trident's default). */
    public RopeTable(int headDim, int maxPositions, double theta) {
        this(headDim, maxPositions, theta, RopePairing.ADJACENT);
    }

    public RopeTable(int headDim, int maxPositions, double theta, RopePairing pairing) {
        this.pairing = java.util.Objects.requireNonNull(pairing, "pairing");
        if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dimension, got " + headDim);
        this.pairs = headDim / 2;
        this.maxPositions = maxPositions;
        this.cos = new float[maxPositions * pairs];
        this.sin = new float[maxPositions * pairs];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < pairs; i++) {
                double freq = Math.pow(theta, -2.0 * i / headDim);
                double angle = p * freq;
                cos[p * pairs + i] = (float) Math.cos(angle);
                sin[p * pairs + i] = (float) Math.sin(angle);
            }
        }
    }

    public int pairs() { return pairs; }

    public RopePairing pairing() { return pairing; }

    public int maxPositions() { return maxPositions; }

    public float cos(int pos, int pair) { return cos[pos * pairs + pair]; }

    public float sin(int pos, int pair) { return sin[pos * pairs + pair]; }

    /** Row of cos values for one position (pairs entries starting at the returned offset in {@link #cosArray()}). */
    public int offset(int pos) { return pos * pairs; }

    public float[] cosArray() { return cos; }

    public float[] sinArray() { return sin; }
}
