package dev.trident.lab;

import dev.trident.infer.GenerationResult;
import dev.trident.infer.Generator;
import dev.trident.infer.SamplingOptions;
import dev.trident.infer.SpeculativeGenerator;
import dev.trident.model.Model;
import dev.trident.quant.WeightFormat;

/**
 * How the lab decodes a model whose weights are stored in a format: the one seam where quantized inference weights
 * plug in. fp32 runs the {@link Generator} and {@link SpeculativeGenerator} on the model's own arrays. Decoding
 * straight from Q8_0 / FP8-block bytes needs the runtime's quantized weight store, which this build does not have
 * yet: {@link #engine} returns null for those formats and the lab reports their measured speed as pending (their
 * quality, acceptance and bytes per token are still measured, on {@link ServedWeights#roundTrip} values).
 */
public final class Serving {
    private Serving() {}

    /** Plain and self-speculative (MTP-drafted) greedy generation of one model. */
    public interface Engine {
        GenerationResult plain(String prompt, SamplingOptions options);

        /** With depth drafts per round; only for a model with MTP modules. */
        GenerationResult speculative(String prompt, SamplingOptions options, int depth);
    }

    /** An engine decoding model with its matrices stored in format, or null while this build cannot. */
    public static Engine engine(Model model, WeightFormat format) {
        return canDecode(format) ? fp32(model) : null;
    }

    /** Whether this build decodes from weights stored in format. */
    public static boolean canDecode(WeightFormat format) {
        return format == WeightFormat.F32;
    }

    /** Why {@link #engine} returned null, for the report. */
    public static String pendingReason(WeightFormat format) {
        return "decoding from " + format.name() + " bytes needs the quantized inference weights (ModelWeights, --weights) not yet merged";
    }

    private static Engine fp32(Model model) {
        Generator plain = new Generator(model);
        SpeculativeGenerator[] byDepth = new SpeculativeGenerator[model.config().mtpDepth() + 1];
        return new Engine() {
            @Override
            public GenerationResult plain(String prompt, SamplingOptions options) {
                return plain.generate(prompt, options, null);
            }

            @Override
            public GenerationResult speculative(String prompt, SamplingOptions options, int depth) {
                if (byDepth[depth] == null) byDepth[depth] = new SpeculativeGenerator(model, depth);
                return byDepth[depth].generate(prompt, options, null);
            }
        };
    }
}
