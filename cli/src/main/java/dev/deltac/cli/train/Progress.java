package dev.deltac.cli.train;

import dev.deltac.runtime.train.EpochMetrics;
import dev.deltac.runtime.train.TrainingListener;
import dev.deltac.runtime.train.TrainingResult;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The training progress display on standard error. On a terminal it is one bar over all
 * optimizer steps with the latest loss and accuracies, drawn in place by the progressbar library
 * five times a second. When standard error is a file or a pipe (CI logs) a redrawn bar makes no
 * sense, so it prints one complete plain line every five seconds and one at the end, each once:
 * {@code Xor: step 2400/5000 (48%), epoch 2400/5000, 0:00:01, 2400 steps/s, loss 0.01 acc 1.000}.
 */
final class Progress implements TrainingListener {
  /** Plain lines are at least this far apart (except the last). */
  static final long LINE_INTERVAL_NANOS = 5_000_000_000L;

  private final String name;
  private final PrintStream stream;
  private final boolean terminal;
  private ProgressBar bar;
  private TrainingPlan plan;
  private long totalSteps;
  private long step;
  private long startNanos;
  private long lastLineNanos;
  private double lastLoss = Double.NaN;
  private int epochsDone;
  private String epochText = "";

  Progress(String name, PrintStream stream) {
    this(name, stream, System.console() != null);
  }

  Progress(String name, PrintStream stream, boolean terminal) {
    this.name = name;
    this.stream = stream;
    this.terminal = terminal;
  }

  @Override
  public void onTrainingStart(TrainingPlan plan) {
    this.plan = plan;
    totalSteps = (long) plan.epochs() * plan.batchesPerEpoch();
    startNanos = System.nanoTime();
    lastLineNanos = startNanos;
    if (terminal) {
      bar = new ProgressBarBuilder()
          .setTaskName(name)
          .setInitialMax(totalSteps)
          .setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis(200)
          .setConsumer(new ConsoleProgressBarConsumer(stream, 110))
          .setUnit(" steps", 1)
          .showSpeed()
          .build();
    }
  }

  @Override
  public void onBatchEnd(long step, int samples, double loss) {
    this.step = step;
    lastLoss = loss;
    if (bar != null) {
      bar.stepTo(step);
      bar.setExtraMessage(extraMessage());
    } else if (System.nanoTime() - lastLineNanos >= LINE_INTERVAL_NANOS) {
      line();
    }
  }

  @Override
  public void onEpochEnd(EpochMetrics m) {
    epochsDone = m.epoch() + 1;
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, " ep %d", epochsDone));
    if (!Double.isNaN(m.trainAccuracy())) {
      sb.append(String.format(Locale.ROOT, " acc %.3f", m.trainAccuracy()));
    }
    if (m.hasValidation()) {
      sb.append(String.format(Locale.ROOT, " val %.4g", m.validationLoss()));
      if (!Double.isNaN(m.validationAccuracy())) {
        sb.append(String.format(Locale.ROOT, " val acc %.3f", m.validationAccuracy()));
      }
    }
    epochText = sb.toString();
    if (bar != null) bar.setExtraMessage(extraMessage());
  }

  @Override
  public void onTrainingEnd(TrainingResult result) {
    close();
  }

  /** The bar's text after the counts: the latest loss and the last epoch's metrics. */
  private String extraMessage() {
    return String.format(Locale.ROOT, " loss %.4g%s", lastLoss, epochText);
  }

  /** One plain progress line, complete (never cut to a width). */
  private void line() {
    long now = System.nanoTime();
    lastLineNanos = now;
    double seconds = (now - startNanos) / 1e9;
    long s = (long) seconds;
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "%s: step %d/%d (%d%%), epoch %d/%d, %d:%02d:%02d, %.0f steps/s, loss %.4g", name, step,
        totalSteps, totalSteps == 0 ? 100 : step * 100 / totalSteps, epochsDone, plan.epochs(),
        s / 3600, s / 60 % 60, s % 60, seconds > 0 ? step / seconds : 0.0, lastLoss));
    int acc = epochText.indexOf(" acc ");
    if (acc >= 0) sb.append(epochText.substring(acc));
    stream.println(sb);
    stream.flush();
  }

  void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    } else if (plan != null) {
      line();
      plan = null;
    }
  }
}
