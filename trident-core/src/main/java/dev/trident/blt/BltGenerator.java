package dev.trident.blt;

import dev.trident.TridentException;
import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.entropy.EntropyStream;
import dev.trident.blt.patch.Patcher;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.infer.Sampler;
import dev.trident.infer.SamplingOptions;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.RangeAttention;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.nn.CrossAttention;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Byte-by-byte generation with incremental patching. Each byte fed runs the entropy model one step (is the next
 * byte hard to predict?), the local encoder one step, and the local decoder one step; only when the next byte
 * starts a new patch is the patch just finished pooled, cross-attended into its k vectors and run through the
 * global transformer, one step of its own cache. So the big model runs once per patch, as in training, and the
 * logits equal the training forward's on the same bytes (BltGeneratorTest).
 *
 * <p>Everything lives in one window of the model: the boundary token, then at most T - 1 bytes.
 */
public final class BltGenerator {
    private final BltModel model;
    private final BltConfig c;
    private final EntropyModel entropyModel;
    private final Patcher patcher;
    private final int seq, dl, k, vocab;
    private final IncrementalBlock[] enc, glob, dec;
    private EntropyStream stream;
    private int[] tokens;
    private byte[] text;
    private float[] entropies;
    private boolean[] flags;
    private int positions, patchOfLast = -1, patchLength, openCount, patchesDone;
    /** Encoder states of the open patch's bytes, per encoder layer: rows of d_L. */
    private final float[][] open;
    /** Decoder cross-attention keys and values of every finished patch's k vectors, per decoder layer. */
    private final float[][] decKeys, decValues;
    private final float[] x, h, row, norm, qv, att, proj, patchQ, patchNorm, patchMem, memK, memV, glx, logits;
    private final float[] lse;
    private final float[] invRms = new float[64];
    private final int[] lo = new int[64], hi = new int[64];

    public BltGenerator(BltModel model, EntropyModel entropyModel) {
        this.model = model;
        this.c = model.config;
        if (c.patcher().mode().usesEntropy() && entropyModel == null)
            throw new TridentException("this BLT patches by entropy and needs its entropy model");
        this.entropyModel = entropyModel;
        this.patcher = new Patcher(c.patcher());
        this.seq = c.seqLen();
        this.dl = c.localDim();
        this.k = c.crossK();
        this.vocab = c.vocabSize();
        enc = new IncrementalBlock[c.encoderLayers()];
        dec = new IncrementalBlock[c.decoderLayers()];
        glob = new IncrementalBlock[c.globalLayers()];
        open = new float[enc.length][seq * dl];
        decKeys = new float[dec.length][seq * k * dl];
        decValues = new float[dec.length][seq * k * dl];
        x = new float[dl];
        h = new float[dl];
        row = new float[dl];
        norm = new float[Math.max(seq, k) * dl];
        qv = new float[k * dl];
        att = new float[k * dl];
        proj = new float[k * dl];
        patchQ = new float[k * dl];
        patchNorm = new float[k * dl];
        patchMem = new float[seq * dl];
        memK = new float[seq * dl];
        memV = new float[seq * dl];
        glx = new float[c.globalDim()];
        logits = new float[vocab];
        lse = new float[k * c.crossHeads()];
        reset();
    }

    /** Forgets everything fed so far. */
    public void reset() {
        stream = entropyModel == null ? null : entropyModel.stream(c.patcher().resetAtNewline());
        tokens = new int[seq];
        text = new byte[seq];
        entropies = new float[seq + 1];
        flags = new boolean[seq + 1];
        flags[0] = true;
        positions = 0;
        patchOfLast = -1;
        patchLength = 0;
        openCount = 0;
        patchesDone = 0;
        for (int i = 0; i < enc.length; i++) enc[i] = new IncrementalBlock(model.encoder.layers[i], model.localRope, seq, c.localWindow());
        for (int i = 0; i < dec.length; i++) dec[i] = new IncrementalBlock(model.decoder.layers[i], model.localRope, seq, c.localWindow());
        for (int i = 0; i < glob.length; i++) glob[i] = new IncrementalBlock(model.global.layers[i], model.globalRope, seq + 16, 0);
    }

    /** Positions fed (the boundary token included). */
    public int positions() { return positions; }

    /** Patches the global transformer has run on. */
    public int globalSteps() { return patchesDone; }

    /** Patch-start flags of positions 0..positions (the last one is the next byte's, decided already). */
    public boolean[] flags() { return Arrays.copyOf(flags, positions + 1); }

    /** H of text byte i for the bytes fed so far (NaN for byte 0). */
    public float[] entropies() { return Arrays.copyOf(entropies, Math.max(0, positions)); }

    /**
     * Feeds the token at the next position (the boundary token first, then bytes) and returns the logits of the
     * position after it (valid until the next call).
     */
    public float[] feed(int token) {
        int p = positions;
        if (p >= seq) throw new IllegalStateException("the window of " + seq + " positions is full");
        if ((p == 0) != (token == ByteVocab.BOS) || token < 0 || token >= vocab)
            throw new IllegalArgumentException("position " + p + ": token " + token + " (the boundary token comes first, then bytes)");
        tokens[p] = token;
        if (p >= 1) text[p - 1] = (byte) token;
        // 1. Is the next position the start of a patch? Its byte's entropy is known now.
        if (p == 1) entropies[0] = Float.NaN; // the first byte has no context
        if (p >= 1 && stream != null) entropies[p] = stream.push((byte) token); // H of the byte to come
        if (flags[p]) {
            patchOfLast++;
            patchLength = 1;
            openCount = 0;
        } else {
            patchLength++;
        }
        flags[p + 1] = nextStarts(p + 1);
        // 2. The encoder on this position; its states join the open patch.
        embed(p);
        for (int l = 0; l < enc.length; l++) {
            enc[l].step(x);
            System.arraycopy(x, 0, open[l], openCount * dl, dl);
        }
        openCount++;
        System.arraycopy(x, 0, h, 0, dl);
        // 3. If the patch is finished, the global transformer takes one step on it.
        if (flags[p + 1]) finishPatch();
        // 4. The decoder reads the patches before the next byte's patch.
        int q = flags[p + 1] ? patchOfLast : patchOfLast - 1;
        int first = Math.max(0, q - c.decoderCrossWindow() + 1);
        for (int l = 0; l < dec.length; l++) {
            crossAttend(model.decoder.cross[l], h, 1, decKeys[l], decValues[l], first * k, (q + 1) * k);
            dec[l].step(h);
        }
        RmsNormKernel.forward(h, model.decoder.norm.weight.data, row, invRms, 1, dl, model.decoder.norm.eps);
        Gemm.gemv(vocab, dl, model.decoder.head.data, 0, row, 0, logits, 0);
        positions = p + 1;
        return logits;
    }

    /** Whether position pos (byte pos - 1) starts a patch, from what is known before that byte. */
    private boolean nextStarts(int pos) {
        if (pos <= 1) return true;
        int max = c.patcher().maxPatchLength();
        boolean start = c.patcher().mode() == PatchingMode.STATIC ? (pos - 1) % (int) c.patcher().targetPatchSize() == 0
                : patcher.rule(text, entropies, pos - 1);
        return start || (max > 0 && patchLength >= max);
    }

    /** x = byte embedding + hashed n-gram embeddings of position p. */
    private void embed(int p) {
        LocalEncoder e = model.encoder;
        System.arraycopy(e.tables[0].data, tokens[p] * dl, x, 0, dl);
        HashSpec hs = c.hash();
        for (int n = hs.minN(); n <= hs.maxN(); n++)
            for (int f = 0; f < hs.functions(); f++) {
                float[] t = e.tables[1 + (n - hs.minN()) * hs.functions() + f].data;
                int id = HashNgrams.hash(tokens, 0, p, n, f, hs.rows());
                for (int j = 0; j < dl; j++) x[j] += t[id * dl + j];
            }
    }

    /** Pools the open patch, runs the encoder cross-attentions and one global step, and stores its decoder memory. */
    private void finishPatch() {
        LocalEncoder e = model.encoder;
        Arrays.fill(row, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < openCount; r++)
            for (int j = 0; j < dl; j++) row[j] = Math.max(row[j], open[0][r * dl + j]);
        Gemm.gemv(k * dl, dl, e.poolProjection.data, 0, row, 0, patchQ, 0);
        for (int l = 0; l < enc.length; l++) {
            System.arraycopy(open[l], 0, patchMem, 0, openCount * dl);
            crossAttendRows(e.cross[l], patchQ, k, patchMem, openCount);
        }
        System.arraycopy(patchQ, 0, glx, 0, k * dl);
        for (IncrementalBlock b : glob) b.step(glx);
        Gemm.gemv(k * dl, c.globalDim(), model.decoder.patchProjection.data, 0, glx, 0, proj, 0);
        int pr = patchesDone * k;
        for (int l = 0; l < dec.length; l++) {
            CrossAttention ca = model.decoder.cross[l];
            RmsNormKernel.forward(proj, ca.memoryNorm.weight.data, patchNorm, invRms, k, dl, ca.memoryNorm.eps);
            for (int j = 0; j < k; j++) {
                Gemm.gemv(dl, dl, ca.wk.data, 0, patchNorm, j * dl, decKeys[l], (pr + j) * dl);
                Gemm.gemv(dl, dl, ca.wv.data, 0, patchNorm, j * dl, decValues[l], (pr + j) * dl);
            }
        }
        patchesDone++;
    }

    /** queries (rows of d_L, updated in place) += cross-attention over all `count` memory rows. */
    private void crossAttendRows(CrossAttention ca, float[] queries, int rows, float[] memory, int count) {
        RmsNormKernel.forward(memory, ca.memoryNorm.weight.data, norm, invRms(count), count, dl, ca.memoryNorm.eps);
        for (int r = 0; r < count; r++) {
            Gemm.gemv(dl, dl, ca.wk.data, 0, norm, r * dl, memK, r * dl);
            Gemm.gemv(dl, dl, ca.wv.data, 0, norm, r * dl, memV, r * dl);
        }
        crossAttend(ca, queries, rows, memK, memV, 0, count);
    }

    private float[] scratchInv = new float[64];

    private float[] invRms(int n) {
        if (scratchInv.length < n) scratchInv = new float[n];
        return scratchInv;
    }

    /** rows of queries (in place) += Wo attention(queryNorm(q) Wq, keys/values rows [from, to)). */
    private void crossAttend(CrossAttention ca, float[] queries, int rows, float[] keys, float[] values, int from, int to) {
        RmsNormKernel.forward(queries, ca.queryNorm.weight.data, patchNorm, invRms, rows, dl, ca.queryNorm.eps);
        for (int r = 0; r < rows; r++) {
            Gemm.gemv(dl, dl, ca.wq.data, 0, patchNorm, r * dl, qv, r * dl);
            lo[r] = from;
            hi[r] = to;
        }
        RangeAttention.forward(qv, keys, values, lo, hi, att, lse, rows, ca.heads, ca.heads, ca.headDim,
                (float) (1 / Math.sqrt(ca.headDim)));
        for (int r = 0; r < rows; r++) {
            Gemm.gemv(dl, dl, ca.wo.data, 0, att, r * dl, proj, 0);
            for (int j = 0; j < dl; j++) queries[r * dl + j] += proj[j];
        }
    }

    /** A finished generation: the text after the prompt, its bytes, and what the patching did. */
    public record Result(String text, byte[] bytes, int promptBytes, int patches, double seconds, String stopReason) {
        /** Bytes per patch over prompt and generation (the boundary token's patch excluded). */
        public double meanPatchSize(int positions) {
            return patches <= 1 ? Double.NaN : (double) (positions - 1) / (patches - 1);
        }
    }

    /**
     * Generates after the prompt, byte by byte, until maxTokens bytes, the window's end, or (with stopAtEos) the
     * boundary token; onText receives each complete UTF-8 piece as it is produced.
     */
    public Result generate(byte[] prompt, SamplingOptions options, Consumer<String> onText) {
        if (prompt.length > seq - 2) throw new TridentException("prompt of " + prompt.length + " bytes does not fit the model's window of " + seq + " bytes");
        reset();
        long t0 = System.nanoTime();
        float[] l = feed(ByteVocab.BOS);
        for (byte b : prompt) l = feed(b & 0xFF);
        Sampler sampler = new Sampler(vocab, options.temperature(), options.topK(), options.topP(), options.seed());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Utf8Pieces pieces = new Utf8Pieces();
        String stop = "length";
        while (out.size() < options.maxTokens()) {
            int next = sampler.sample(l, 0, vocab);
            if (next == ByteVocab.BOS) {
                if (options.stopAtEos()) {
                    stop = "eos";
                    break;
                }
                next = Sampler.argmax(l, 0, 256);
            }
            out.write(next);
            String piece = pieces.push((byte) next);
            if (!piece.isEmpty() && onText != null) onText.accept(piece);
            if (positions >= seq) {
                stop = "window";
                break;
            }
            if (out.size() < options.maxTokens()) l = feed(next);
        }
        String tail = pieces.flush();
        if (!tail.isEmpty() && onText != null) onText.accept(tail);
        byte[] bytes = out.toByteArray();
        return new Result(new String(bytes, StandardCharsets.UTF_8), bytes, prompt.length, patchesDone,
                (System.nanoTime() - t0) / 1e9, stop);
    }

    /** Turns a byte stream into complete UTF-8 pieces. */
    private static final class Utf8Pieces {
        private final byte[] pending = new byte[4];
        private int n, need;

        String push(byte b) {
            int v = b & 0xFF;
            if (n == 0) {
                need = v >= 0xF0 ? 4 : v >= 0xE0 ? 3 : v >= 0xC0 ? 2 : 1;
            } else if ((v & 0xC0) != 0x80) { // a broken sequence: emit what we had, start again
                String s = flush();
                return s + push(b);
            }
            pending[n++] = b;
            return n == need ? flush() : "";
        }

        String flush() {
            String s = new String(pending, 0, n, StandardCharsets.UTF_8);
            n = 0;
            return s;
        }
    }
}
