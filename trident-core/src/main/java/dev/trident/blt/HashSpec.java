package dev.trident.blt;

/**
 * Hashed byte n-gram embeddings (BLT section 3.2.1): for every n in [minN, maxN] and each of `functions` hash
 * functions, a table of `rows` embeddings; byte i adds the row its n-gram (b_{i-n+1} .. b_i) hashes to.
 */
public record HashSpec(int minN, int maxN, int rows, int functions) {
    public HashSpec {
        if (minN < 2 || maxN < minN || maxN > 16) throw new IllegalArgumentException("n-gram sizes [" + minN + ", " + maxN + "] outside [2, 16]");
        if (rows < 1 || functions < 1 || functions > HashNgrams.PRIMES.length)
            throw new IllegalArgumentException("hash tables of " + rows + " rows x " + functions + " functions");
    }

    /** Number of tables: one per n-gram size and hash function. */
    public int tables() {
        return (maxN - minN + 1) * functions;
    }
}
