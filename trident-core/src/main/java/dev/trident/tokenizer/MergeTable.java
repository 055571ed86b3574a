package dev.trident.tokenizer;

/**
 * The ranked BPE merges and the loop that applies them to one chunk: repeatedly merge the adjacent pair with
 * the lowest rank (earliest learned), all its non-overlapping occurrences left to right, until no adjacent pair
 * has a merge. This is GPT-2's {@code bpe()} and gives the same result as the Hugging Face heap version, since a
 * rank identifies one pair.
 */
final class MergeTable {
    private static final int NONE = Integer.MAX_VALUE;

    private final PairMap rankOf;
    private final int[] left;
    private final int[] right;
    private final int[] result;

    /** Merge {@code r} joins {@code left[r]} and {@code right[r]} into {@code result[r]}. */
    MergeTable(int[] left, int[] right, int[] result) {
        this.left = left.clone();
        this.right = right.clone();
        this.result = result.clone();
        this.rankOf = new PairMap(left.length);
        for (int r = 0; r < left.length; r++) {
            rankOf.putIfAbsent(left[r], right[r], r); // a repeated pair keeps its first (lowest) rank
        }
    }

    int size() {
        return left.length;
    }

    int left(int rank) {
        return left[rank];
    }

    int right(int rank) {
        return right[rank];
    }

    int result(int rank) {
        return result[rank];
    }

    /** Rank of merging {@code a} then {@code b}, or -1 if they do not merge. */
    int rank(int a, int b) {
        int r = rankOf.get(a, b, NONE);
        return r == NONE ? -1 : r;
    }

    /** Chunks up to this many symbols use the simple scan loop; longer ones the heap, which is O(n log n). */
    static final int SCAN_LIMIT = 64;

    /** Applies the merges to {@code syms[0..n)} in place and returns the new length. */
    int apply(int[] syms, int n) {
        return n <= SCAN_LIMIT ? applyByScan(syms, n) : applyByHeap(syms, n);
    }

    /**
     * Each pass finds the lowest-ranked adjacent pair in O(n) and merges all its occurrences. Chunks are mostly
     * short words, where this beats any cleverer structure.
     */
    int applyByScan(int[] syms, int n) {
        while (n > 1) {
            int best = NONE;
            for (int i = 0; i + 1 < n; i++) {
                int r = rankOf.get(syms[i], syms[i + 1], NONE);
                if (r < best) {
                    best = r;
                }
            }
            if (best == NONE) {
                break;
            }
            int a = left[best];
            int b = right[best];
            int merged = result[best];
            int w = 0;
            for (int i = 0; i < n; ) {
                if (i + 1 < n && syms[i] == a && syms[i + 1] == b) {
                    syms[w++] = merged;
                    i += 2;
                } else {
                    syms[w++] = syms[i++];
                }
            }
            n = w;
        }
        return n;
    }

    /**
     * Same result for long chunks (a megabyte of digits must not take quadratic time): a min-heap of
     * (rank, position) over a linked list of symbols; entries made stale by earlier merges are skipped.
     */
    int applyByHeap(int[] syms, int n) {
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            pushPair(heap, syms, i, i + 1);
        }
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int r = (int) (top >>> 32);
            int i = (int) top;
            int j = next[i];
            if (syms[i] < 0 || j < 0 || syms[i] != left[r] || syms[j] != right[r]) {
                continue; // stale: a neighbour was merged away since this entry was pushed
            }
            syms[i] = result[r];
            syms[j] = -1;
            next[i] = next[j];
            if (next[j] >= 0) {
                prev[next[j]] = i;
            }
            if (prev[i] >= 0) {
                pushPair(heap, syms, prev[i], i);
            }
            if (next[i] >= 0) {
                pushPair(heap, syms, i, next[i]);
            }
        }
        int w = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            syms[w++] = syms[i];
        }
        return w;
    }

    private void pushPair(LongHeap heap, int[] syms, int i, int j) {
        int r = rankOf.get(syms[i], syms[j], NONE);
        if (r != NONE) {
            heap.add((long) r << 32 | i);
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == a.length) {
                a = java.util.Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long poll() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && a[child + 1] < a[child]) {
                    child++;
                }
                if (a[child] >= last) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }
}
