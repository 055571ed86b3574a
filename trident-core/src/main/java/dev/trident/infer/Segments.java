package dev.trident.infer;

/**
 * The token rows of one {@link Decoder} forward, grouped by sequence: segment s is count[s] consecutive rows
 * appended to cache[s] from position pos[s] on. One segment is a prompt or a speculative verification; many
 * one-row segments are a continuous-batching decode step, where one pass over the weights serves every sequence;
 * a mix is a step that pre-fills a new request beside the running ones.
 */
final class Segments {
    final KvCache[] cache;
    final int[] start, count, pos;
    private int size, rows;

    Segments(int max) {
        cache = new KvCache[max];
        start = new int[max];
        count = new int[max];
        pos = new int[max];
    }

    void clear() {
        java.util.Arrays.fill(cache, 0, size, null);
        size = 0;
        rows = 0;
    }

    /** Appends a segment of n rows for cache, checking it fits and the cache is not already in this forward. */
    void add(KvCache c, int n) {
        if (n < 1) throw new IllegalArgumentException("a segment of " + n + " tokens");
        if (c.length() + n > c.capacity()) throw new IllegalStateException("context full: " + (c.length() + n) + " > " + c.capacity());
        for (int s = 0; s < size; s++)
            if (cache[s] == c) throw new IllegalArgumentException("the same cache twice in one forward (segment " + s + " and " + size + ")");
        cache[size] = c;
        start[size] = rows;
        count[size] = n;
        pos[size] = c.length();
        rows += n;
        size++;
    }

    int size() { return size; }

    int rows() { return rows; }

    /** Marks every segment's rows as cached. */
    void commit() {
        for (int s = 0; s < size; s++) cache[s].setLength(pos[s] + count[s]);
    }
}
