package dev.trident.spark.diloco;

import dev.trident.TridentException;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.train.AdamW;
import dev.trident.train.TrainerState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The workers' inner AdamW states between rounds. In DiLoCo each replica keeps its own inner optimizer: round t
 * starts from the shared theta^(t-1) but from the moments (m, v) and step count its worker had at the end of round
 * t-1 (Douillard et al. 2023, Algorithm 1). Restarting them every round instead re-runs Adam's bias-corrected first
 * steps, sign-like and at full rate, every H steps (measured in docs/spark.md).
 *
 * <p>The state is a file per worker and round, worker-i.after-n.bin in a directory every executor can read and write
 * (the trainer-state format of `trident train`: atomic, CRC-checked). A task of round n reads after-n and writes
 * after-(n+1); it never changes what it read, so a task Spark retries, on any executor, or a run resumed from the
 * driver's checkpoint of round n, reads the same state and recomputes the same change. The driver deletes the files
 * of earlier rounds once a round is checkpointed.
 */
final class InnerStates {
    static final String DIR = "diloco-workers";
    private static final Pattern NAME = Pattern.compile("worker-(\\d+)\\.after-(\\d+)\\.bin");

    private InnerStates() {}

    static Path file(String dir, int worker, int roundsDone) {
        return Path.of(dir).resolve("worker-" + worker + ".after-" + roundsDone + ".bin");
    }

    /** Restores worker's weights and moments as they were after roundsDone rounds (the caller then sets theta). */
    static void restore(String dir, int worker, int roundsDone, int innerSteps, List<Parameter> params, AdamW opt) {
        Path f = file(dir, worker, roundsDone);
        if (!Files.isRegularFile(f))
            throw new TridentException(f + ": worker " + worker + "'s optimizer state after round " + roundsDone
                    + " is missing; the worker-state directory must be shared by every executor (--worker-state)");
        TrainerState.Loaded l = TrainerState.load(f, params, opt);
        if (l.step() != roundsDone * innerSteps)
            throw new TridentException(f + ": holds " + l.step() + " inner steps, expected " + roundsDone * innerSteps + "; use a fresh --out folder");
    }

    static void save(String dir, int worker, int roundsDone, int innerSteps, List<Parameter> params, AdamW opt) {
        Path f = file(dir, worker, roundsDone);
        try {
            Files.createDirectories(f.getParent());
        } catch (IOException e) {
            throw new TridentException(f.getParent() + ": cannot create the worker-state directory (" + e.getMessage() + ")", e);
        }
        TrainerState.save(f, roundsDone * innerSteps, Map.of("worker", (long) worker, "rounds_done", (long) roundsDone), params, opt);
    }

    /** Deletes the states of rounds before roundsDone (keep = false: all of them, for a fresh run). */
    static void prune(Path dir, int roundsDone, boolean keep) {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && (!keep || Long.parseLong(m.group(2)) < roundsDone)) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new TridentException(dir + ": cannot clean the worker-state directory (" + e.getMessage() + ")", e);
        }
    }
}
