package dev.trident.train;

import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.Router;

import java.util.List;

/**
 * After each optimizer step: reads how many tokens each MoE layer routed to each expert, nudges the routers'
 * selection biases (auxiliary-loss-free balancing), and keeps the run's load totals for the heat map.
 */
final class ExpertLoadTracker {
    private final List<MixtureOfExperts> layers;
    private final long[][] total;

    ExpertLoadTracker(List<MixtureOfExperts> layers) {
        this.layers = layers;
        this.total = new long[layers.size()][];
        for (int i = 0; i < layers.size(); i++) total[i] = new long[layers.get(i).spec.routedExperts()];
    }

    /** Updates the biases from this step's loads; returns the mean MaxVio over layers (NaN for a dense model). */
    double afterStep() {
        if (layers.isEmpty()) return Double.NaN;
        double vio = 0;
        for (int i = 0; i < layers.size(); i++) {
            Router r = layers.get(i).router;
            long[] load = r.takeLoad();
            r.updateBias(load);
            vio += Router.maxViolation(load);
            for (int e = 0; e < load.length; e++) total[i][e] += load[e];
        }
        return vio / layers.size();
    }

    /** Per layer, each expert's share of the routed tokens over the run; null for a dense model. */
    double[][] loadShares() {
        if (layers.isEmpty()) return null;
        double[][] share = new double[total.length][];
        for (int i = 0; i < total.length; i++) {
            long sum = 0;
            for (long l : total[i]) sum += l;
            share[i] = new double[total[i].length];
            for (int e = 0; e < total[i].length; e++) share[i][e] = sum == 0 ? 0 : (double) total[i][e] / sum;
        }
        return share;
    }
}
