package dev.trident.cli;

import dev.trident.lab.LabListener;
import dev.trident.lab.Rung;
import dev.trident.lab.TrainingRecord;
import dev.trident.train.TrainListener;

import java.io.PrintWriter;
import java.util.Locale;

/** The lab on stderr: one line per rung, its training bar (as `trident train` shows it), a bar for the decode bench. */
final class LabProgress implements LabListener, AutoCloseable {
    private final PrintWriter err;
    private TrainProgress training;
    private Progress.Bar decode;

    LabProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void onRungStart(int index, int planned, Rung rung, double minutes) {
        closeAll();
        say(String.format(Locale.ROOT, "[%d/%d] %s (%s): %s of training", index, planned, rung.title(), rung.id(), Format.duration(minutes * 60)));
        training = new TrainProgress(err);
    }

    @Override
    public TrainListener training() {
        return training != null ? training : TrainListener.NONE;
    }

    @Override
    public void onRungReused(Rung rung, TrainingRecord r) {
        say(String.format(Locale.ROOT, "%s (%s): reusing its results, val_bpb=%.4f", rung.title(), rung.id(), r.valBpb()));
    }

    @Override
    public void onRungDone(Rung rung, TrainingRecord r) {
        closeAll();
        say(String.format(Locale.ROOT, "%s: val_bpb=%.4f after %,d steps, %s tokens/s", rung.id(), r.valBpb(), r.steps(), Format.count(r.tokensPerSecond())));
    }

    @Override
    public void onRungFailed(Rung rung, String why) {
        closeAll();
        say(rung.id() + ": failed (" + why + "); going on with the other rungs");
    }

    @Override
    public void onPhase(String phase) {
        closeAll();
        say(phase + " ...");
    }

    @Override
    public void onDecodeStart(int total) {
        closeAll();
        decode = Progress.bar("decode", total, 0, err);
    }

    @Override
    public void onDecodeProgress(int done) {
        if (decode != null) decode.stepTo(done);
    }

    @Override
    public void onDecodeEnd() {
        closeAll();
    }

    @Override
    public void close() {
        closeAll();
    }

    private void say(String line) {
        err.println(line);
        err.flush();
    }

    private void closeAll() {
        if (training != null) {
            training.close();
            training = null;
        }
        if (decode != null) {
            decode.close();
            decode = null;
        }
    }
}
