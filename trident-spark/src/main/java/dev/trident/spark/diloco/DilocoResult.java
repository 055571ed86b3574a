package dev.trident.spark.diloco;

import java.nio.file.Path;
import java.util.List;

/**
 * A finished DiLoCo run: the model directory written to out (loadable by `trident eval` / `generate`), the final
 * full validation loss and bits per byte, the tokens trained by all workers, the final parameters (flat, in
 * parameter order) and each round's metrics.
 */
public record DilocoResult(Path out, int rounds, double valLoss, double valBpb, long tokens, double seconds,
                           float[] parameters, List<RoundMetrics> history) {

    /** Bytes per worker and inner step DiLoCo moved on average (broadcast in + change out), over the run. */
    public double bytesPerWorkerStep(int workers, int innerSteps) {
        double total = 0;
        for (RoundMetrics m : history) total += m.broadcastBytesPerWorker() * (double) workers + m.resultBytes();
        return history.isEmpty() ? 0 : total / history.size() / workers / innerSteps;
    }
}
