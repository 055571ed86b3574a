package dev.trident.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Aggregate decode throughput of a running `trident serve` with C concurrent streaming requests against one request
 * alone, in the same run: rounds alternate (one alone, then C together), each request asks for exactly T tokens
 * (ignore_eos) at temperature 0.8 with its own seed. tokens/s = completion tokens (from the usage chunk) / wall time
 * from the first request sent to the last [DONE]. Prints each round, then the medians and their ratio.
 *
 *   java -cp trident-bench/target/classes dev.trident.bench.ServeThroughput URL [ROUNDS] [TOKENS] [CONCURRENT]
 */
public final class ServeThroughput {
    private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");

    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/$", "");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int concurrent = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            run(http, base, 1, tokens, 0); // warm-up: JIT on both paths
            run(http, base, concurrent, tokens, 0);
            double[] alone = new double[rounds], together = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                alone[r] = run(http, base, 1, tokens, 1000 * r);
                together[r] = run(http, base, concurrent, tokens, 1000 * r + 1);
                System.out.printf(Locale.ROOT, "round %d: 1 request %.1f tok/s, %d concurrent %.1f tok/s (x%.2f)%n",
                        r + 1, alone[r], concurrent, together[r], together[r] / alone[r]);
            }
            double a = median(alone), t = median(together);
            System.out.printf(Locale.ROOT, "median: 1 request %.1f tok/s, %d concurrent %.1f tok/s aggregate, ratio %.2f%n", a, concurrent, t, t / a);
        }
    }

    /** C streaming requests at once; returns completion tokens per second of wall time. */
    private static double run(HttpClient http, String base, int c, int tokens, int seed) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < c; i++) {
            String body = String.format(Locale.ROOT, "{\"prompt\": \"ROMEO:\", \"max_tokens\": %d, \"temperature\": 0.8, \"seed\": %d, "
                    + "\"ignore_eos\": true, \"stream\": true, \"stream_options\": {\"include_usage\": true}}", tokens, seed * 100 + i);
            all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions")).timeout(Duration.ofMinutes(10))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long generated = 0;
        for (var f : all) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() != 200 || !r.body().strip().endsWith("data: [DONE]"))
                throw new IllegalStateException("request failed: " + r.statusCode() + " " + r.body());
            Matcher m = COMPLETION_TOKENS.matcher(r.body());
            if (!m.find()) throw new IllegalStateException("no usage in the stream");
            generated += Long.parseLong(m.group(1));
        }
        return generated / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
