package dev.trident.kernels;

/**
 * RoPE angles: cos and sin of pos * theta^(-2i/d) for every position below maxPositions and every pair i below d/2
 * (frequencies and magnitudes changed by a {@link RopeScaling} if given), and which coordinates form pair i
 * ({@link RopePairing}). Rows are computed as positions are first asked for (the table doubles), so a model that
 * declares a context of a million positions costs memory only for the positions it reaches: a file's header alone
 * cannot make a load allocate a large table.
 */
public final class RopeTable {
    private static final int FIRST_ROWS = 256;

    /** cos and sin rows for positions below {@code positions}, pairs entries per row; never changed once published. */
    public record Angles(float[] cos, float[] sin, int positions) {}

    private final int pairs;
    private final RopePairing pairing;
    private final RopeScaling scaling;
    private final int maxPositions;
    private final double[] freq;
    private final double magnitude;
    private volatile Angles angles;

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
        if (maxPositions < 1) throw new IllegalArgumentException("RoPE needs at least one position, got " + maxPositions);
        this.pairs = headDim / 2;
        this.maxPositions = maxPositions;
        double[] f = new double[pairs];
        for (int i = 0; i < pairs; i++) f[i] = Math.pow(theta, -2.0 * i / headDim);
        this.freq = scaling != null ? scaling.frequencies(headDim, theta) : f;
        this.magnitude = scaling == null ? 1 : scaling.cosSinFactor();
        this.angles = compute(new Angles(new float[0], new float[0], 0), Math.min(maxPositions, FIRST_ROWS));
    }

    /** Rows from {@code have.positions} up to {@code positions}, appended to a copy of {@code have}'s. */
    private Angles compute(Angles have, int positions) {
        float[] cos = java.util.Arrays.copyOf(have.cos, positions * pairs);
        float[] sin = java.util.Arrays.copyOf(have.sin, positions * pairs);
        for (int p = have.positions; p < positions; p++) {
            for (int i = 0; i < pairs; i++) {
                double angle = p * freq[i];
                cos[p * pairs + i] = (float) (Math.cos(angle) * magnitude);
                sin[p * pairs + i] = (float) (Math.sin(angle) * magnitude);
            }
        }
        return new Angles(cos, sin, positions);
    }

    /** Angles covering position {@code pos} (below maxPositions), computing more rows first if needed. */
    public Angles upTo(int pos) {
        Angles a = angles;
        return pos < a.positions ? a : grow(pos);
    }

    private synchronized Angles grow(int pos) {
        java.util.Objects.checkIndex(pos, maxPositions);
        Angles a = angles;
        if (pos < a.positions) return a;
        a = compute(a, (int) Math.min(maxPositions, Math.max(pos + 1L, 2L * a.positions)));
        angles = a;
        return a;
    }

    public int pairs() { return pairs; }

    public RopePairing pairing() { return pairing; }

    /** The scaling the angles were computed with, or null. */
    public RopeScaling scaling() { return scaling; }

    /** What attention over these rotations multiplies its softmax scale by (YaRN's mscale^2 for MLA; 1 otherwise). */
    public double softmaxFactor() { return scaling == null ? 1 : scaling.softmaxFactor(); }

    public int maxPositions() { return maxPositions; }

    public float cos(int pos, int pair) { return upTo(pos).cos[pos * pairs + pair]; }

    public float sin(int pos, int pair) { return upTo(pos).sin[pos * pairs + pair]; }

    /** Where position pos's row starts in {@link Angles#cos()} and {@link Angles#sin()}. */
    public int offset(int pos) { return pos * pairs; }
}
