package dev.deltac.spark;

import java.util.ArrayList;
import java.util.List;

/**
 * The main class of the application jar for {@code spark-submit}: the {@code deltac} command
 * line, where {@code train} without {@code --master} trains on the master spark-submit was given.
 *
 * <pre>
 *   spark-submit --master spark://HOST:7077 --class dev.deltac.spark.SparkMain \
 *       spark/target/deltac-spark-0.1.0-SNAPSHOT-app.jar train model.nn --data DATA
 * </pre>
 */
public final class SparkMain {
  private SparkMain() {}

  public static void main(String[] args) {
    List<String> all = new ArrayList<>(List.of(args));
    String master = System.getProperty("spark.master");
    boolean hasMaster = all.stream().anyMatch(a -> a.equals("--master")
        || a.startsWith("--master="));
    if (!all.isEmpty() && all.get(0).equals("train") && !hasMaster && master != null) {
      all.add("--master");
      all.add(master);
    }
    dev.deltac.cli.Main.main(all.toArray(new String[0]));
  }
}
