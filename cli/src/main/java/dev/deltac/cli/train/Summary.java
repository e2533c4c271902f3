package dev.deltac.cli.train;

import static dev.deltac.cli.train.TrainingRun.fmt;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.data.Augmentation;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.train.EpochMetrics;
import dev.deltac.runtime.train.TrainingResult;
import java.nio.file.Path;
import java.util.List;

/** The short text report of a training run, printed and saved beside the checkpoint. */
final class Summary {
  /** Datasets up to this size get every prediction printed. */
  private static final int SHOW_ALL = 16;

  private Summary() {}

  static String text(ModelInfo info, TrainingRun.Settings s, DataSource.Loaded data, Dataset train,
      Dataset val, TrainingResult r, long samplesTrained, long resumedAfterStep, double compileSeconds,
      StepWarmup.Report warmed, double trainSeconds, FloatModel model, Path ckpt, String checkpoints, Path png,
      boolean standardized, Augmentation augmentation) {
    StringBuilder sb = new StringBuilder();
    EpochMetrics last = r.last();
    sb.append(fmt("%s: %d epochs, %d steps of batch %d, %s lr %s, seed %d, %d thread%s%n",
        info.name(), r.history().size(), last.steps(), s.batch(), s.optimizer(), num(s.lr()),
        s.seed(), s.threads(), s.threads() == 1 ? "" : "s"));
    sb.append(fmt("  data        %s: %d training samples%s%s%n", data.description(), train.count(),
        val == null ? ", no validation set" : ", " + val.count() + " validation samples",
        standardized ? "; float inputs standardized with the training split's mean and standard"
            + " deviation (saved in the checkpoint)" : ""));
    if (augmentation != null) {
      sb.append(fmt("  augment     every training batch: %s%s%n", augmentation.flip()
          ? "flipped left-right with probability 1/2" : "", augmentation.shift() == 0 ? ""
          : (augmentation.flip() ? ", " : "") + "shifted by up to " + augmentation.shift()
              + " pixels along each axis (" + augmentation + ")"));
    }
    // The steps alone: each epoch's training time without its held-out passes (as PyTorch
    // scripts usually time their training loop).
    double stepSeconds = 0;
    for (EpochMetrics m : r.history()) stepSeconds += train.count() / Math.max(m.samplesPerSecond(), 1e-9);
    String steps = resumedAfterStep >= 0 ? "" : fmt("; the steps alone %.2f s, %.0f samples/s",
        stepSeconds, r.history().size() * (double) train.count() / Math.max(stepSeconds, 1e-9));
    sb.append(fmt("  time        compiled in %.2f s, %strained in %.2f s (%.0f samples/s%s)%s%n",
        compileSeconds, warmed == null ? "" : warmed + ", ", trainSeconds, samplesTrained / trainSeconds, steps,
        resumedAfterStep < 0 ? "" : samplesTrained == 0 ? ", resumed a finished run"
            : fmt(", resumed after step %d", resumedAfterStep)));
    sb.append(fmt("  kernels     %s%n", kernels()));
    sb.append(fmt("  final       train loss %s%s%s%n", num(last.trainLoss()),
        acc(" accuracy ", last.trainAccuracy()),
        last.hasValidation() ? ", validation loss " + num(last.validationLoss())
            + acc(" accuracy ", last.validationAccuracy()) : ""));
    if (r.bestEpoch() != last.epoch()) {
      sb.append(fmt("  best        epoch %d, monitored loss %s%s%n", r.bestEpoch(),
          num(r.bestLoss()), s.patience() > 0 ? " (parameters restored)" : ""));
    }
    sb.append(fmt("  checkpoint  %s (%s)%n", ckpt, checkpoints));
    sb.append(fmt("  loss curve  %s%n", png));
    if (train.count() <= SHOW_ALL) predictions(sb, info, train, model);
    return sb.toString();
  }

  private static void predictions(StringBuilder sb, ModelInfo info, Dataset d, FloatModel model) {
    sb.append("  predictions on the training samples:\n");
    float[] out = new float[info.outputSize()];
    for (int i = 0; i < d.count(); i++) {
      model.predict(d.inputs(), i * d.inputSize(), out, 0);
      sb.append("    ");
      tensors(sb, info.inputs(), d.inputs(), i * d.inputSize());
      sb.append("  ->  ");
      tensors(sb, info.outputs(), out, 0);
      sb.append("   target ");
      tensors(sb, info.targets(), d.targets(), i * d.targetSize());
      sb.append('\n');
    }
  }

  private static void tensors(StringBuilder sb, List<TensorInfo> ts, float[] v, int off) {
    for (int k = 0; k < ts.size(); k++) {
      TensorInfo t = ts.get(k);
      if (k > 0) sb.append(' ');
      sb.append(t.name()).append(" = [");
      for (int j = 0; j < Math.min(t.size(), 8); j++) {
        if (j > 0) sb.append(", ");
        float x = v[off + t.offset() + j];
        sb.append(t.integer() ? fmt("%d", (long) x) : fmt("%.3f", x));
      }
      if (t.size() > 8) sb.append(", ...");
      sb.append(']');
    }
  }

  /** Which matrix kernels ran: the shared dense kernels (and which) or only generated loops. */
  static String kernels() {
    if (DenseKernels.used()) {
      return "dense products: " + DenseKernels.describe() + "; other ops: generated loops";
    }
    return "generated loops only (no dense product reached the shared kernels' "
        + "threshold, 1024 weights by default; it would run " + DenseKernels.describe() + ")";
  }

  private static String acc(String label, double a) {
    return Double.isNaN(a) ? "" : fmt(",%s%.4f", label, a);
  }

  private static String num(double v) {
    return fmt("%.4g", v);
  }

  /**
   * Prints the mean wall time per step of every {@code every} steps ({@code ends[0]} is the start,
   * {@code ends[k]} the end of step k; an epoch's held-out pass falls into the step after it).
   */
  static void timeline(java.io.PrintWriter err, long[] ends, int steps, int every) {
    StringBuilder b = new StringBuilder("timeline (ms per step, every " + every + " steps):");
    for (int k = 0; k < steps; k += every) {
      int e = Math.min(steps, k + every);
      b.append(k % (every * 10) == 0 ? "\n  " : " ").append(TrainingRun.fmt("%.2f", (ends[e] - ends[k]) / 1e6 / (e - k)));
    }
    err.println(b);
    err.flush();
  }
}
