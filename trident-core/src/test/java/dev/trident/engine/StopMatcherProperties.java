package dev.trident.engine;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** However the output is cut into pieces, the emitted text is the output up to the first stop text. */
class StopMatcherProperties {
    @Property(tries = 300, seed = "42")
    void emitsExactlyTheTextBeforeTheFirstStop(@ForAll @StringLength(max = 40) String text,
                                               @ForAll @IntRange(min = 0, max = 1000) int cutSeed) {
        String alphabet = "ab\n";
        Random rng = new Random(cutSeed);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 30; i++) s.append(alphabet.charAt(rng.nextInt(alphabet.length())));
        String out = s.toString() + text;
        List<String> stops = List.of("ab\nb", "\n\n", "bbb");
        int first = -1;
        for (String stop : stops) {
            int at = out.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        StopMatcher m = new StopMatcher(stops);
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < out.length(); ) {
            int len = 1 + rng.nextInt(4);
            got.append(m.push(out.substring(i, Math.min(out.length(), i + len))));
            i += len;
        }
        got.append(m.flush());
        assertEquals(first < 0 ? out : out.substring(0, first), got.toString());
        assertEquals(first >= 0, m.stopped());
    }
}
