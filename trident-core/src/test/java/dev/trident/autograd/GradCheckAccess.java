package dev.trident.autograd;

import java.util.List;
import java.util.function.Function;

/** The finite-difference check for tests outside this package (BLT's whole-model check). */
public final class GradCheckAccess {
    private GradCheckAccess() {}

    public static void check(String name, List<Tensor> inputs, Function<Tape, Tensor> op, long seed, double tol) {
        GradCheck.check(name, inputs, op, seed, tol);
    }
}
