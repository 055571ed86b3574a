package dev.trident.tokenizer;

import java.util.Arrays;

/**
 * A bounded, lock-free, direct-mapped cache from chunk bytes to token ids: words repeat, so most chunks are
 * encoded once. Each slot holds one immutable entry; a colliding chunk simply replaces it.
 *
 * <p>Thread-safe without locks: entries are immutable with final fields, so a racing reader sees either null,
 * an older entry or a complete new one, never a torn one; the worst a race does is a recomputation.
 */
final class ChunkCache {
    /** Longer chunks are rare and not worth a slot. */
    static final int MAX_CHUNK_BYTES = 48;

    private record Entry(byte[] key, int hash, int[] ids) {
    }

    private final Entry[] slots;
    private final int mask;

    /** @param capacity number of slots (rounded up to a power of two); 0 disables caching */
    ChunkCache(int capacity) {
        int size = capacity <= 0 ? 0 : Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        slots = new Entry[size];
        mask = size - 1;
    }

    /** Number of slots (0: disabled). */
    int slots() {
        return slots.length;
    }

    static int hash(byte[] s, int from, int to) {
        int h = 0x811C9DC5;
        for (int i = from; i < to; i++) {
            h = (h ^ s[i]) * 0x01000193;
        }
        return h ^ (h >>> 15);
    }

    /** The cached ids for {@code s[from, to)} with precomputed {@code hash}, or null. */
    int[] get(byte[] s, int from, int to, int hash) {
        if (slots.length == 0) {
            return null;
        }
        Entry e = slots[hash & mask];
        if (e != null && e.hash == hash && Arrays.equals(e.key, 0, e.key.length, s, from, to)) {
            return e.ids;
        }
        return null;
    }

    void put(byte[] s, int from, int to, int hash, int[] ids) {
        if (slots.length != 0 && to - from <= MAX_CHUNK_BYTES) {
            slots[hash & mask] = new Entry(Arrays.copyOfRange(s, from, to), hash, ids);
        }
    }

    boolean enabled() {
        return slots.length != 0;
    }
}
