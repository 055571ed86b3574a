package dev.trident.autograd;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The tape's buffer pool: reused by a pass like the last, released when a pass no longer needs a size. */
class TapePoolTest {
    @Test
    void reusesWhatTheLastPassUsedAndDropsTheRest() {
        Tape tape = new Tape();
        float[] a = tape.buffer(100), b = tape.buffer(200);
        tape.reset();
        assertSame(a, tape.buffer(100), "same shape, same buffer: no allocation in steady state");
        tape.reset(); // this pass did not use 200 floats
        float[] a2 = tape.buffer(100);
        assertSame(a, a2);
        assertNotSame(b, tape.buffer(200), "a size the last pass did not use is not kept");
    }

    @Test
    void releaseKeepsNothing() {
        Tape tape = new Tape();
        float[] a = tape.buffer(100);
        int[] i = tape.ints(10);
        tape.release();
        assertNotSame(a, tape.buffer(100), "released buffers are not handed out again");
        assertNotSame(i, tape.ints(10));
    }
}
