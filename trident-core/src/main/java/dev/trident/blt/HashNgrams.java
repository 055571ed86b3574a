package dev.trident.blt;

/**
 * The n-gram hash of BLT's encoder: a polynomial rolling hash of the n token ids ending at position i, oldest first,
 *
 * <pre>  Hash_n(i) = (sum_{j=0}^{n-1} t_{i-n+1+j} * p^j  mod M)  mod rows,  M = 2^31 - 1,</pre>
 *
 * with a prime p per hash function (BLT's first prime is 1,000,000,007). Positions before the window's start read
 * as the boundary token, so an n-gram never reaches outside its window.
 */
public final class HashNgrams {
    /** One prime per hash function. */
    static final long[] PRIMES = {1_000_000_007L, 1_500_450_271L, 1_327_000_013L, 1_754_853_343L};
    private static final long M = (1L << 31) - 1;

    private HashNgrams() {}

    /** Hash_n at position i of tokens[from ..] (i counted from `from`), for hash function f, in [0, rows). */
    public static int hash(int[] tokens, int from, int i, int n, int f, int rows) {
        long p = PRIMES[f] % M, h = 0, pj = 1;
        for (int j = 0; j < n; j++) {
            int pos = i - n + 1 + j;
            long t = pos < 0 ? ByteVocab.BOS : tokens[from + pos];
            h = (h + t * pj) % M;
            pj = pj * p % M;
        }
        return (int) (h % rows);
    }

    /**
     * The table ids of every position of `batch` windows of `seq` tokens: ids[t][b*seq + i], table t = (n - minN) *
     * functions + f. Row 0 of the returned array is the tokens themselves (the byte embedding).
     */
    public static int[][] ids(int[] tokens, int batch, int seq, HashSpec spec) {
        int[][] ids = new int[1 + spec.tables()][];
        ids[0] = tokens;
        for (int n = spec.minN(); n <= spec.maxN(); n++)
            for (int f = 0; f < spec.functions(); f++) {
                int[] row = new int[batch * seq];
                for (int b = 0; b < batch; b++)
                    for (int i = 0; i < seq; i++) row[b * seq + i] = hash(tokens, b * seq, i, n, f, spec.rows());
                ids[1 + (n - spec.minN()) * spec.functions() + f] = row;
            }
        return ids;
    }
}
