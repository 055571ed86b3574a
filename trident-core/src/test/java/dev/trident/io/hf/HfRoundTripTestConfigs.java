package dev.trident.io.hf;

import dev.trident.model.ModelConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;

/** Small models of each kind shared by the checkpoint tests. */
final class HfRoundTripTestConfigs {
    static final ModelConfig BASE = new ModelConfig(300, 32, 2, 4, 2, 8, 40, 64, 10000, 1e-5f, false);
    /** MLA + DeepSeekMoE (sigmoid, 1 shared, groups) + one MTP layer: DeepSeek-V3's layout. */
    static final ModelConfig DEEPSEEK = BASE.withMla(new MlaSpec(32, 4, 24, 16, 8, 4, 6))
            .withMoe(new MoeSpec(32, 8, 2, 1, 12, 2.5, MoeSpec.Gating.SIGMOID, true, 1e-3, 1e-4).withGroups(4, 2), 1).withMtpDepth(1);

    private HfRoundTripTestConfigs() {}
}
