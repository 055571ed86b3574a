package dev.trident.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;

class DecodeAttentionTest {
    @ParameterizedTest(name = "len={0} H={1} Hkv={2} D={3} pad={4}")
    @CsvSource({
            "1,1,1,1,0",
            "5,2,1,3,0",
            "17,4,2,8,0",      // GQA 2:1, one tile of two heads
            "70,6,2,7,5",      // group of 3 (padded tile), padded cache rows, D tail
            "130,8,1,33,0",    // group of 8: two tiles
            "200,4,4,64,0",    // no sharing: the one-row path
            "513,12,2,20,3"})  // group of 6: a full and a partial tile; parallel
    void singleQueryMatchesReference(int len, int heads, int kvHeads, int headDim, int pad) {
        SplittableRandom rnd = new SplittableRandom(len * 97L + heads * 13L + headDim);
        int kvStride = kvHeads * headDim + pad, qOff = 3, cacheOff = 11, outOff = 2;
        float[] q = KernelAssert.gaussian(rnd, qOff + heads * headDim, 1);
        float[] k = KernelAssert.gaussian(rnd, cacheOff + len * kvStride, 1);
        float[] v = KernelAssert.gaussian(rnd, cacheOff + len * kvStride, 1);
        float scale = (float) (1 / Math.sqrt(headDim));
        float[] want = KernelAssert.random(rnd, outOff + heads * headDim + 4, -1, 1); // guard floats both sides
        float[] got = want.clone();
        Reference.decodeAttention(q, qOff, k, v, cacheOff, kvStride, len, heads, kvHeads, headDim, scale,
                want, outOff);
        DecodeAttention.attend(q, qOff, k, v, cacheOff, kvStride, len, heads, kvHeads, headDim, scale, got, outOff);
        assertClose("decode out", want, got, 2e-5, 1e-4);
    }

    @ParameterizedTest(name = "p0={0} nq={1} H={2} Hkv={3} D={4}")
    @CsvSource({"0,1,2,1,8", "10,4,4,2,16", "37,5,6,3,9", "100,7,8,2,32",
            "60,9,8,4,16"})   // 36 units: three batches run block by block, blocks of 64 positions straddled
    void manyQueriesMatchReference(int p0, int nq, int heads, int kvHeads, int headDim) {
        SplittableRandom rnd = new SplittableRandom(p0 * 31L + nq);
        int kvStride = kvHeads * headDim, qStride = heads * headDim + 1, outStride = heads * headDim + 2;
        int len = p0 + nq;
        float[] q = KernelAssert.gaussian(rnd, nq * qStride, 1);
        float[] k = KernelAssert.gaussian(rnd, len * kvStride, 1), v = KernelAssert.gaussian(rnd, len * kvStride, 1);
        float scale = 0.3f;
        float[] want = new float[nq * outStride], got = new float[nq * outStride];
        Reference.decodeAttentionMany(q, 0, qStride, nq, p0, k, v, 0, kvStride, heads, kvHeads, headDim, scale,
                want, 0, outStride);
        DecodeAttention.attendMany(q, 0, qStride, nq, p0, k, v, 0, kvStride, heads, kvHeads, headDim, scale,
                got, 0, outStride);
        assertClose("draft outs", want, got, 2e-5, 1e-4);
    }

    /** Decoding the last tokens one by one over a cache equals the training-time causal attention on those rows. */
    @Test
    void agreesWithTrainingAttention() {
        int seq = 45, heads = 4, kvHeads = 2, d = 12, p0 = 38;
        SplittableRandom rnd = new SplittableRandom(45);
        float[] q = KernelAssert.gaussian(rnd, seq * heads * d, 1);
        float[] k = KernelAssert.gaussian(rnd, seq * kvHeads * d, 1), v = KernelAssert.gaussian(rnd, seq * kvHeads * d, 1);
        float scale = 0.25f;
        float[] train = new float[seq * heads * d];
        FlashAttention.forward(q, k, v, train, null, 1, seq, heads, kvHeads, d, scale);
        float[] decode = new float[seq * heads * d];
        DecodeAttention.attendMany(q, p0 * heads * d, heads * d, seq - p0, p0, k, v, 0, kvHeads * d,
                heads, kvHeads, d, scale, decode, p0 * heads * d, heads * d);
        float[] tail = java.util.Arrays.copyOfRange(train, p0 * heads * d, seq * heads * d);
        float[] got = java.util.Arrays.copyOfRange(decode, p0 * heads * d, seq * heads * d);
        assertClose("decode vs training rows", tail, got, 2e-5, 1e-4);
    }
}
