package dev.trident.kernels.quant;

/**
 * An activation vector quantized to int8 in blocks of 32 for integer dot products (llama.cpp's q8_0 activation
 * side; its q8_K uses one scale per 256 instead, we keep 32 for Q4_K too, which lines up with Q4_K's sub-blocks
 * and is more accurate): {@code x[i] ~= d[i / 32] * qs[i]}, {@code d = max|x_block| / 127}, q rounded half away
 * from zero. {@code sums[b]} is the sum of block b's q, needed for Q4_0's -8 offset and Q4_K's mins.
 */
public record Q8Activations(int n, byte[] qs, float[] d, int[] sums) {
    public static final int BLOCK = 32;

    /** Quantizes x[0, n); n must be a multiple of 32. */
    public static Q8Activations quantize(float[] x, int n) {
        if (n % BLOCK != 0) throw new IllegalArgumentException("length must be a multiple of 32, got " + n);
        byte[] qs = new byte[n];
        float[] d = new float[n / BLOCK];
        int[] sums = new int[n / BLOCK];
        for (int b = 0; b < n / BLOCK; b++) {
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(x[b * BLOCK + j]));
            float db = amax / 127;
            float id = db != 0 ? 1f / db : 0f;
            int sum = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = x[b * BLOCK + j] * id;
                int q = (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
                qs[b * BLOCK + j] = (byte) q;
                sum += q;
            }
            d[b] = db;
            sums[b] = sum;
        }
        return new Q8Activations(n, qs, d, sums);
    }
}
