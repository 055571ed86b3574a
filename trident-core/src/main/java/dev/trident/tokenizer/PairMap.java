package dev.trident.tokenizer;

import java.util.Arrays;

/**
 * Open-addressing hash map from a pair of token ids to an int, without boxing: the encoder looks a pair up for
 * every adjacent pair of every chunk, so this is the hot path. Built once, then read-only (safe to share).
 */
final class PairMap {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] values;
    private final int mask;

    /** @param capacity the number of entries that will be put */
    PairMap(int capacity) {
        int size = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1; // load factor <= 0.5
        keys = new long[size];
        values = new int[size];
        mask = size - 1;
        Arrays.fill(keys, EMPTY);
    }

    static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    /** Puts a value; returns false (and changes nothing) if the pair is already present. */
    boolean putIfAbsent(int left, int right, int value) {
        long k = key(left, right);
        int i = slot(k);
        while (keys[i] != EMPTY) {
            if (keys[i] == k) {
                return false;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = value;
        return true;
    }

    /** The value for the pair, or {@code missing}. */
    int get(int left, int right, int missing) {
        long k = key(left, right);
        int i = slot(k);
        long found;
        while ((found = keys[i]) != EMPTY) {
            if (found == k) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return missing;
    }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
