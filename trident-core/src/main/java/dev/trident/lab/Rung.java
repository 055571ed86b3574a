package dev.trident.lab;

import dev.trident.model.Presets.Preset;

/**
 * One model the lab trains: a step of the ladder (each adds one technique to the one before) or a dense reference
 * trained to find the dense model of the final rung's quality. budgetScale multiplies the lab's wall-clock budget
 * (1 for every ladder rung, so they train for the same time); widthScale is a dense reference's width over the
 * baseline's (1 for the ladder).
 */
public record Rung(String id, String title, Kind kind, Preset preset, int mtpDepth, boolean fp8,
                   double budgetScale, double widthScale) {

    public enum Kind { LADDER, DENSE }

    public Rung {
        if (!id.matches("[a-z0-9][a-z0-9.-]*")) throw new IllegalArgumentException("rung id '" + id + "' is not a plain file name");
        if (!(budgetScale > 0) || !(widthScale > 0)) throw new IllegalArgumentException("rung scales must be positive");
    }

    /** The training budget of this rung in minutes, given the lab's budget per rung. */
    public double minutes(double budgetMinutes) {
        return budgetMinutes * budgetScale;
    }
}
