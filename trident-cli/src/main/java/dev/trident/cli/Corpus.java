package dev.trident.cli;

import dev.trident.TridentException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The built-in corpus, tinyshakespeare.txt: from the checkout when run by ./trident, else from inside the jar. */
final class Corpus {
    static final String NAME = "tinyshakespeare.txt";
    static final String RESOURCE = "data/" + NAME;

    private Corpus() {}

    /** A file holding the corpus. The jar's copy is extracted to a temp file that is deleted at exit. */
    static Path builtIn() {
        String home = System.getenv("TRIDENT_HOME");
        if (home != null) {
            Path inCheckout = Path.of(home, "data", NAME);
            if (Files.isRegularFile(inCheckout)) return inCheckout;
        }
        try (InputStream in = Corpus.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) throw new TridentException("built-in corpus " + RESOURCE + " is missing from the jar; rebuild it");
            Path tmp = Files.createTempFile("trident-", "-" + NAME);
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw new TridentException("cannot extract the built-in corpus to a temp file: " + e.getMessage(), e);
        }
    }
}
