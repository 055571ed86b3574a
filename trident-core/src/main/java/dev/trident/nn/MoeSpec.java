package dev.trident.nn;

/**
 * Sizes and routing of a DeepSeekMoE layer.
 *
 * @param dim            model width d
 * @param routedExperts  N_r fine-grained routed experts
 * @param activeExperts  K experts chosen per token
 * @param sharedExperts  N_s experts every token goes through
 * @param expertHidden   SwiGLU hidden width of one expert
 * @param routedScale    factor on the routed gate weights (DeepSeek-V3: routed_scaling_factor)
 * @param gating         SIGMOID (DeepSeek-V3) or SOFTMAX (DeepSeek-V2, Qwen-MoE)
 * @param normalizeTopK  divide the chosen K weights by their sum (always on for sigmoid gating)
 * @param biasUpdateRate gamma of auxiliary-loss-free balancing; 0 turns it off
 * @param balanceAlpha   alpha of the sequence-wise balance loss; 0 turns it off
 * @param groups         n_group: the routed experts split into this many equal groups (1 = no grouping)
 * @param topkGroups     topk_group: tokens pick their K experts only inside the topkGroups best groups; a group's
 *                       score is the sum of its two best s_i + b_i for sigmoid gating (DeepSeek-V3, noaux_tc), its
 *                       best s_i + b_i for softmax (DeepSeek-V2's group-limited greedy routing)
 */
public record MoeSpec(int dim, int routedExperts, int activeExperts, int sharedExperts, int expertHidden,
                      double routedScale, Gating gating, boolean normalizeTopK, double biasUpdateRate,
                      double balanceAlpha, int groups, int topkGroups) {

    /** How affinities s_i are computed from the router logits u . e_i. */
    public enum Gating { SIGMOID, SOFTMAX }

    public MoeSpec {
        if (routedExperts < 1 || activeExperts < 1 || activeExperts > routedExperts)
            throw new IllegalArgumentException("need 1 <= K (" + activeExperts + ") <= N_r (" + routedExperts + ")");
        if (sharedExperts < 0 || expertHidden < 1) throw new IllegalArgumentException("bad MoE sizes");
        if (groups < 1 || routedExperts % groups != 0 || topkGroups < 1 || topkGroups > groups)
            throw new IllegalArgumentException("need n_group (" + groups + ") dividing N_r (" + routedExperts
                    + ") and 1 <= topk_group (" + topkGroups + ") <= n_group");
        if (activeExperts > topkGroups * (routedExperts / groups))
            throw new IllegalArgumentException("K (" + activeExperts + ") exceeds the experts of topk_group (" + topkGroups + ") groups");
    }

    /** Without expert groups. */
    public MoeSpec(int dim, int routedExperts, int activeExperts, int sharedExperts, int expertHidden,
                   double routedScale, Gating gating, boolean normalizeTopK, double biasUpdateRate, double balanceAlpha) {
        this(dim, routedExperts, activeExperts, sharedExperts, expertHidden, routedScale, gating, normalizeTopK,
                biasUpdateRate, balanceAlpha, 1, 1);
    }

    public MoeSpec withBalancing(double gamma, double alpha) {
        return new MoeSpec(dim, routedExperts, activeExperts, sharedExperts, expertHidden, routedScale, gating,
                normalizeTopK, gamma, alpha, groups, topkGroups);
    }

    /** The same layer with group-limited routing: n experts groups, the K experts chosen inside the best k groups. */
    public MoeSpec withGroups(int n, int k) {
        return new MoeSpec(dim, routedExperts, activeExperts, sharedExperts, expertHidden, routedScale, gating,
                normalizeTopK, biasUpdateRate, balanceAlpha, n, k);
    }

    /** Experts per group. */
    public int groupSize() {
        return routedExperts / groups;
    }

    /** Weights of the FFN part run per token: shared + K routed experts (3 matrices each) plus the router. */
    public long activeParameters() {
        return 3L * dim * expertHidden * (sharedExperts + activeExperts) + (long) routedExperts * dim;
    }

    public long totalParameters() {
        return 3L * dim * expertHidden * (sharedExperts + routedExperts) + (long) routedExperts * dim;
    }
}
