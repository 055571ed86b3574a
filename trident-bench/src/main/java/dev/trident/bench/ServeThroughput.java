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
 * (ignore_eos) at temperature 0.8 (or TEMPERATURE; 0 = greedy, which `serve --speculative` decodes with MTP drafts) with
 * its own seed. tokens/s = completion tokens (from the usage chunk) / wall time
 * from the first request sent to the last [DONE]. Prints each round, then the medians and their ratio. Beside the
 * wall clock, tokens per CPU second of the server's scheduler thread (from /health): with `serve --threads 1` that
 * thread does all the compute, so this ratio is what batching saves even when other work shares the machine.
 *
 *   java -cp trident-bench/target/classes dev.trident.bench.ServeThroughput URL [ROUNDS] [TOKENS] [CONCURRENT] [TEMPERATURE]
 */
public final class ServeThroughput {
    private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");
    private static final Pattern CPU = Pattern.compile("\"scheduler_cpu_seconds\":([0-9.eE+-]+)");

    /** Wall-clock and scheduler-CPU tokens per second of one run. */
    private record Rate(double wall, double cpu) {}

    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/$", "");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int concurrent = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        double temperature = args.length > 4 ? Double.parseDouble(args[4]) : 0.8;
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            run(http, base, 1, tokens, temperature, 0); // warm-up: JIT on both paths
            run(http, base, concurrent, tokens, temperature, 0);
            double[] alone = new double[rounds], together = new double[rounds], aloneCpu = new double[rounds], togetherCpu = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                Rate a = run(http, base, 1, tokens, temperature, 1000 * r), t = run(http, base, concurrent, tokens, temperature, 1000 * r + 1);
                alone[r] = a.wall();
                together[r] = t.wall();
                aloneCpu[r] = a.cpu();
                togetherCpu[r] = t.cpu();
                System.out.printf(Locale.ROOT, "round %d: 1 request %.1f tok/s, %d concurrent %.1f tok/s (x%.2f); per scheduler CPU second %.1f vs %.1f (x%.2f)%n",
                        r + 1, a.wall(), concurrent, t.wall(), t.wall() / a.wall(), a.cpu(), t.cpu(), t.cpu() / a.cpu());
            }
            double a = median(alone), t = median(together), ac = median(aloneCpu), tc = median(togetherCpu);
            System.out.printf(Locale.ROOT, "median wall clock: 1 request %.1f tok/s, %d concurrent %.1f tok/s aggregate, ratio %.2f%n", a, concurrent, t, t / a);
            System.out.printf(Locale.ROOT, "median per scheduler CPU second: 1 request %.1f tok/s, %d concurrent %.1f tok/s, ratio %.2f%n", ac, concurrent, tc, tc / ac);
        }
    }

    private static double cpuSeconds(HttpClient http, String base) throws Exception {
        String health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = CPU.matcher(health);
        if (!m.find()) throw new IllegalStateException("no scheduler_cpu_seconds in /health: " + health);
        return Double.parseDouble(m.group(1));
    }

    /** C streaming requests at once; returns completion tokens per second of wall time and of scheduler CPU time. */
    private static Rate run(HttpClient http, String base, int c, int tokens, double temperature, int seed) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        double cpu0 = cpuSeconds(http, base);
        long t0 = System.nanoTime();
        for (int i = 0; i < c; i++) {
            String body = String.format(Locale.ROOT, "{\"prompt\": \"ROMEO:\", \"max_tokens\": %d, \"temperature\": %s, \"seed\": %d, "
                    + "\"ignore_eos\": true, \"stream\": true, \"stream_options\": {\"include_usage\": true}}", tokens, temperature, seed * 100 + i);
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
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Rate(generated / wall, generated / (cpuSeconds(http, base) - cpu0));
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
