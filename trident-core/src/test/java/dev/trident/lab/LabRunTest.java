package dev.trident.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rung that fails does not cost the others: the lab records the failure, finishes and reports the rest; a rerun
 * reuses every finished rung and trains only the failed one. Seconds of training per rung on a slice of the corpus.
 */
class LabRunTest {
    @TempDir Path tmp;

    @Test
    void aFailedRungIsRecordedTheOthersKeptAndARerunTrainsOnlyIt() throws IOException {
        Path data = tmp.resolve("sample.txt");
        Files.write(data, Arrays.copyOf(Files.readAllBytes(corpus()), 60_000));
        Path out = tmp.resolve("lab");
        LabOptions o = new LabOptions(data, out, 0.02, true, 0, 1, 8, 1337, 1, "test", false);

        LabResult first = Lab.run(o, new LabListener() {
            @Override
            public void onRungStart(int index, int planned, Rung rung, double minutes) {
                if (rung.id().equals("3-mla")) throw new IllegalStateException("simulated crash");
            }
        });
        assertFalse(first.ladder().get(2).ok());
        assertTrue(first.ladder().get(2).failed().contains("simulated crash"));
        for (int i : new int[]{0, 1, 3, 4}) assertTrue(first.ladder().get(i).ok(), "rung " + (i + 1));
        assertTrue(Files.isRegularFile(out.resolve("results/3-mla.failed.txt")));
        assertTrue(Files.readString(out.resolve(LabReport.REPORT)).contains("| 3. + MLA | failed |"));

        List<String> trained = new ArrayList<>(), reused = new ArrayList<>();
        LabResult second = Lab.run(o, new LabListener() {
            @Override
            public void onRungStart(int index, int planned, Rung rung, double minutes) { trained.add(rung.id()); }

            @Override
            public void onRungReused(Rung rung, TrainingRecord record) { reused.add(rung.id()); }
        });
        assertEquals(List.of("3-mla"), trained);
        assertEquals(List.of("1-dense", "2-moe", "4-mtp", "5-fp8"), reused);
        assertTrue(second.ladder().stream().allMatch(Row::ok));
        assertFalse(Files.exists(out.resolve("results/3-mla.failed.txt")));
        assertEquals(first.ladder().getFirst().valBpb(), second.ladder().getFirst().valBpb(), "reused, not retrained");

        // Other settings in the same folder would mix incomparable results: refused.
        LabOptions other = new LabOptions(data, out, 0.05, true, 0, 1, 8, 1337, 1, "test", false);
        assertThrows(dev.trident.TridentException.class, () -> Lab.run(other, LabListener.NONE));
    }

    private static Path corpus() {
        Path p = Path.of("../data/tinyshakespeare.txt");
        return Files.exists(p) ? p : Path.of("data/tinyshakespeare.txt");
    }
}
