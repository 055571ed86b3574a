package dev.trident.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RoPE scaling frequencies against values worked out separately (in Python, from transformers' formulas) for the
 * published settings: Llama 3.1's llama3 scaling and DeepSeek-V3's YaRN.
 */
class RopeScalingTest {
    /**
     * llama3, d 128, theta 500000, factor 8, low_freq_factor 1, high_freq_factor 4, original context 8192: wavelengths
     * below 8192 / 4 = 2048 keep their frequency (pairs 0..28), above 8192 are divided by 8 (pairs 35..63), and pairs
     * 29..34 are blended (pair 30: wavelength 2948.3, s = (8192 / 2948.3 - 1) / 3 = 0.5929).
     */
    @Test
    void llama3() {
        double[] f = RopeScaling.llama3(8, 1, 4, 8192).frequencies(128, 500000);
        assertEquals(64, f.length);
        assertEquals(1.0, f[0], 0);
        assertEquals(0.003211445994752591, f[28], 1e-15);
        assertEquals(0.002166570763503359, f[29], 1e-15);
        assertEquals(0.0013718935677611381, f[30], 1e-15);
        assertEquals(0.0001785078127679964, f[34], 1e-16);
        assertEquals(9.556212353964683e-05, f[35], 1e-17);
        assertEquals(3.068925988914511e-07, f[63], 1e-19);
        assertEquals(1, RopeScaling.llama3(8, 1, 4, 8192).cosSinFactor());
        assertEquals(1, RopeScaling.llama3(8, 1, 4, 8192).softmaxFactor());
    }

    /**
     * DeepSeek-V3's YaRN on qk_rope_head_dim 64, theta 10000, factor 40, original context 4096, beta_fast 32,
     * beta_slow 1, mscale = mscale_all_dim = 1: the ramp runs from pair floor(10.47) = 10 to ceil(22.51) = 23, so pairs
     * up to 10 keep their frequency, pairs from 23 on are divided by 40, pair 15 mixes them 8 : 5; cos and sin are not
     * scaled (mscale / mscale_all_dim = 1) and MLA's softmax scale is multiplied by (0.1 ln 40 + 1)^2.
     */
    @Test
    void yarnAsDeepSeekV3() {
        RopeScaling y = RopeScaling.yarn(40, 4096, 32, 1, 1, 1, 0);
        double[] f = y.frequencies(64, 10000);
        assertEquals(0.23713737056616552, f[5], 1e-15);
        assertEquals(0.05623413251903491, f[10], 1e-15);
        assertEquals(0.008334508951020777, f[15], 1e-15);
        assertEquals(3.33380358040831e-05, f[23], 1e-17);
        assertEquals(4.445698525097306e-06, f[30], 1e-18);
        assertEquals(1, y.cosSinFactor(), 1e-15);
        assertEquals(1.8738542070926265, y.softmaxFactor(), 1e-12);
        // Without mscale keys (Qwen's long-context YaRN): cos and sin get 0.1 ln(factor) + 1, the softmax nothing.
        RopeScaling q = RopeScaling.yarn(4, 32768, 32, 1, 0, 0, 0);
        assertEquals(1.138629436111989, q.cosSinFactor(), 1e-12);
        assertEquals(1, q.softmaxFactor());
        assertEquals(1.5, RopeScaling.yarn(4, 32768, 32, 1, 0, 0, 1.5).cosSinFactor(), "an explicit attention_factor wins");
    }

    @Test
    void linearDividesEveryFrequency() {
        double[] f = RopeScaling.linear(4).frequencies(8, 10000);
        for (int i = 0; i < 4; i++) assertEquals(Math.pow(10000, -2.0 * i / 8) / 4, f[i], 1e-18);
    }

    /** The table holds m cos(p f_i) and m sin(p f_i). */
    @Test
    void tableUsesTheScaledFrequenciesAndMagnitude() {
        RopeScaling q = RopeScaling.yarn(4, 16, 32, 1, 0, 0, 0);
        RopeTable t = new RopeTable(8, 64, 10000, RopePairing.HALVES, q);
        double[] f = q.frequencies(8, 10000);
        for (int p : new int[]{0, 1, 17, 63})
            for (int i = 0; i < 4; i++) {
                assertEquals((float) (Math.cos(p * f[i]) * q.cosSinFactor()), t.cos(p, i));
                assertEquals((float) (Math.sin(p * f[i]) * q.cosSinFactor()), t.sin(p, i));
            }
    }
}
