package dev.trident.model;

import java.util.List;

/** Named model + training presets ("tiny", "small", ...). */
public final class Presets {
    private Presets() {}

    /** Names of every preset, in the order `trident train --help` lists them. */
    public static List<String> names() {
        throw new UnsupportedOperationException("in progress");
    }

    /** One-line description of a preset (sizes, what it is for). */
    public static String describe(String name) {
        throw new UnsupportedOperationException("in progress");
    }
}
