package dev.trident.spark.diloco;

/** Progress of a DiLoCo run, for a command line or a notebook. */
public interface DilocoListener {
    default void onPhase(String phase) {}

    default void onStart(int firstRound, int rounds, long parameters, long tokensPerRound) {}

    default void onRound(RoundMetrics m) {}

    DilocoListener NONE = new DilocoListener() {};
}
