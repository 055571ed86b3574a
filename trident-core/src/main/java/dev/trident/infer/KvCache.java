package dev.trident.infer;

/**
 * Keys and values of every processed position, per layer, laid out [position][kvHeads * headDim]. Rolling back
 * (for rejected speculative tokens) is just lowering {@link #length()}.
 */
public final class KvCache {
    final float[][] keys, values;
    final int capacity, kvDim;
    private int length;

    public KvCache(int layers, int capacity, int kvDim) {
        this.capacity = capacity;
        this.kvDim = kvDim;
        this.keys = new float[layers][capacity * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }

    /** Positions currently cached. */
    public int length() { return length; }

    public int capacity() { return capacity; }

    void setLength(int n) {
        if (n < 0 || n > capacity) throw new IllegalArgumentException("cache length " + n + " outside [0, " + capacity + "]");
        length = n;
    }

    /** Forgets positions from n on (speculative decoding rolls back rejected drafts this way). */
    public void truncate(int n) {
        if (n > length) throw new IllegalArgumentException("cannot truncate a cache of " + length + " to " + n);
        length = n;
    }

    /** Bytes held per cached position across all layers (fp32 keys and values). */
    public long bytesPerToken() {
        return 2L * keys.length * kvDim * Float.BYTES;
    }
}
