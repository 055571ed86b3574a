package dev.trident.cli;

import dev.trident.blt.BltTrainOptions;
import dev.trident.blt.patch.PatchingMode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** The options of `trident train` that only Byte Latent Transformer presets (tiny-blt, small-blt) read. */
final class BltTrainOptionsMixin {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--entropy-model", paramLabel = "DIR",
            description = "BLT presets: use this entropy model (a `trident train --preset blt-entropy` folder) instead of training one first.")
    Path entropyModel;

    @Option(names = "--entropy-steps", paramLabel = "N",
            description = "BLT presets: steps of the entropy model the pipeline trains first (default: the preset's).")
    Integer entropySteps;

    @Option(names = "--patch-size", paramLabel = "BYTES",
            description = "BLT presets: mean bytes per patch the entropy threshold is calibrated to (default: the preset's, 4.5).")
    Double patchSize;

    @Option(names = "--patching", paramLabel = "MODE",
            description = "BLT presets: entropy (global threshold, default), monotonic (H_t - H_t-1 > theta), space, or static.")
    String patching;

    @Option(names = "--reset-at-newline",
            description = "BLT presets: restart the entropy model's context at every newline (BLT's large runs).")
    boolean resetAtNewline;

    @Option(names = "--max-patch-length", paramLabel = "N", description = "BLT presets: never let a patch grow beyond N bytes.")
    Integer maxPatchLength;

    @Option(names = "--train-flops", paramLabel = "F",
            description = "Train for F FLOPs (3 x forward per token or byte; a BLT's entropy model excluded) instead of a number of steps, e.g. 2.4e14.")
    Double trainFlops;

    /** Whether any BLT-only option was given (an error for a BPE preset; --train-flops applies to both). */
    boolean any() {
        return entropyModel != null || entropySteps != null || patchSize != null || patching != null || resetAtNewline
                || maxPatchLength != null;
    }

    /**
     * For a BPE preset: the steps that spend --train-flops (3 x forward FLOPs per token at half the context, as the
     * trainer counts them, x tokens per step), or null when the option is absent.
     */
    Integer bpeSteps(String preset, Integer batchSize, Integer seqLen) {
        if (trainFlops == null) return null;
        Checks.positive(spec, "--train-flops", trainFlops);
        var p = dev.trident.model.Presets.get(preset);
        var tc = p.train().with(batchSize == null ? 0 : batchSize, seqLen == null ? 0 : seqLen, 0, 0);
        var mc = p.model().withVocabSize(tc.vocabSize()).withMaxSeqLen(tc.seqLen());
        double perStep = 3 * (mc.forwardFlopsPerToken(tc.seqLen() / 2) + mc.mtpForwardFlopsPerToken(tc.seqLen() / 2)) * tc.tokensPerStep();
        return (int) Math.max(1, Math.round(trainFlops / perStep));
    }

    BltTrainOptions apply(BltTrainOptions o) {
        Checks.positive(spec, "--entropy-steps", entropySteps);
        Checks.positive(spec, "--train-flops", trainFlops);
        Checks.nonNegative(spec, "--max-patch-length", maxPatchLength);
        if (patchSize != null && !(patchSize >= 1))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--patch-size must be >= 1, got " + patchSize);
        if (entropyModel != null) Checks.model(entropyModel);
        return o.withEntropyModel(entropyModel).withEntropySteps(entropySteps).withPatchSize(patchSize)
                .withPatching(patching == null ? null : PatchingMode.parse(patching))
                .withResetAtNewline(resetAtNewline ? Boolean.TRUE : null).withMaxPatchLength(maxPatchLength)
                .withTrainFlops(trainFlops);
    }
}
