package dev.trident.spark.diloco;

import dev.trident.TridentException;
import dev.trident.io.CheckedStateFile;

import java.nio.file.Path;
import java.util.Map;

/**
 * The driver's state after a DiLoCo round: rounds done, a JSON description of the run, the parameters theta and the
 * outer momentum b (the workers' inner optimizer states are in their own files, {@link InnerStates}). One
 * {@link CheckedStateFile}, like the single-process trainer's state: a crash mid-save keeps the previous round's
 * file, and a damaged file is refused.
 */
final class DilocoCheckpoint {
    static final String FILE = "diloco-state.bin";
    private static final CheckedStateFile.Kind KIND = new CheckedStateFile.Kind(0x5452444E444C4350L /* "TRDNDLCP" */, 1,
            "DiLoCo state", "", "DiLoCo state");

    record Loaded(int roundsDone, Map<String, Object> run) {}

    private DilocoCheckpoint() {}

    static void save(Path file, int roundsDone, Map<String, Object> run, float[] theta, float[] momentum) {
        CheckedStateFile.write(file, KIND, roundsDone, run, out -> {
            out.data().writeInt(theta.length);
            out.floats(theta, theta.length);
            out.floats(momentum, momentum.length);
        });
    }

    /** Restores theta and momentum (which must have the model's size) and returns the rounds done and the run. */
    static Loaded load(Path file, float[] theta, float[] momentum) {
        return CheckedStateFile.read(file, KIND, (in, h) -> {
            int n = in.data().readInt();
            if (n != theta.length) throw new TridentException(file + ": holds " + n + " parameters, the model has " + theta.length + "; use a fresh --out folder");
            in.floats(theta, n);
            in.floats(momentum, n);
            return new Loaded(h.counter(), h.run());
        });
    }
}
