package dev.deltac.cli.train;

import dev.deltac.runtime.train.EpochMetrics;
import dev.deltac.runtime.train.TrainingListener;
import dev.deltac.runtime.train.TrainingResult;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The training progress display: one bar over all optimizer steps with the latest loss and
 * accuracies, drawn by the progressbar library on standard error.
 */
final class Progress implements TrainingListener {
  private final String name;
  private final PrintStream stream;
  private ProgressBar bar;
  private double lastLoss = Double.NaN;
  private String epochText = "";

  Progress(String name, PrintStream stream) {
    this.name = name;
    this.stream = stream;
  }

  /**
   * On a terminal the bar redraws in place five times a second; when standard error is a file
   * or a pipe (CI logs) it prints one plain line every five seconds instead.
   */
  @Override
  public void onTrainingStart(TrainingPlan plan) {
    boolean terminal = System.console() != null;
    bar = new ProgressBarBuilder()
        .setTaskName(name)
        .setInitialMax((long) plan.epochs() * plan.batchesPerEpoch())
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(terminal ? 200 : 5000)
        .setConsumer(terminal ? new ConsoleProgressBarConsumer(stream, 110)
            : new DelegatingProgressBarConsumer(stream::println, 110))
        .setUnit(" steps", 1)
        .showSpeed()
        .build();
  }

  @Override
  public void onBatchEnd(long step, int samples, double loss) {
    lastLoss = loss;
    bar.stepTo(step);
    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4g%s", lastLoss, epochText));
  }

  @Override
  public void onEpochEnd(EpochMetrics m) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, " ep %d", m.epoch()));
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
  }

  @Override
  public void onTrainingEnd(TrainingResult result) {
    close();
  }

  void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
