package dev.trident.infer;

/**
 * What attention needs of every processed position, per layer, one row per position. Grouped-query attention keeps
 * keys and values, [position][kvHeads * headDim] each. Multi-head latent attention keeps one row per position in
 * {@link #keys}, [c_kv ; k_pe] (kv_lora_rank + qk_rope_head_dim floats, shared by every head), and no values: keys
 * and values are recomputed from c_kv inside the attention (see {@link LatentAttentionDecoder}). Rolling back (for
 * rejected speculative tokens) is just lowering {@link #length()}.
 */
public final class KvCache {
    final float[][] keys, values;
    final int capacity, keyWidth, valueWidth;
    private int length;

    /** Keys and values of kvDim floats per position and layer (grouped-query attention). */
    public KvCache(int layers, int capacity, int kvDim) {
        this(layers, capacity, kvDim, kvDim);
    }

    /** Rows of keyWidth and valueWidth floats per position and layer; valueWidth 0 keeps no values (MLA). */
    public KvCache(int layers, int capacity, int keyWidth, int valueWidth) {
        if (keyWidth <= 0 || valueWidth < 0) throw new IllegalArgumentException("cache rows of " + keyWidth + " + " + valueWidth + " floats");
        this.capacity = capacity;
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.keys = new float[layers][Math.multiplyExact(capacity, keyWidth)];
        this.values = new float[layers][Math.multiplyExact(capacity, valueWidth)];
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

    /** Bytes held per cached position across all layers (fp32). */
    public long bytesPerToken() {
        return (long) keys.length * (keyWidth + valueWidth) * Float.BYTES;
    }
}
