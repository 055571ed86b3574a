package dev.trident.spark;

import org.apache.spark.sql.SparkSession;

/**
 * A SparkSession for one machine: master local[n], driver bound to the loopback address (nothing listens on the
 * network), no web UI. For tests, `trident-spark --master local[2]` and trying things out; spark-submit on a
 * cluster configures its own session instead.
 */
public final class LocalSpark {
    private LocalSpark() {}

    public static SparkSession.Builder builder(String master) {
        return SparkSession.builder()
                .master(master)
                .appName("trident")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.ui.showConsoleProgress", "false");
    }

    /** True for local, local[n], local[n,f] and local[*]. */
    public static boolean isLocal(String master) {
        return master != null && (master.equals("local") || master.startsWith("local["));
    }
}
