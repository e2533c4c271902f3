package dev.deltac.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltac.runtime.train.EpochMetrics;
import dev.deltac.runtime.train.TrainingListener.TrainingPlan;
import dev.deltac.runtime.train.TrainingResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress outside a terminal: complete plain lines, the final state once. */
class ProgressTest {
  @Test
  void aShortRunPrintsOneCompleteLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Progress p = new Progress("AVeryLongModelNameThatWouldNotFitInAnEightyColumnTerminalWindow",
        err, false);
    p.onTrainingStart(new TrainingPlan(3, 2, 8, 4, 1, true));
    List<EpochMetrics> history = new ArrayList<>();
    long step = 0;
    for (int e = 0; e < 3; e++) {
      for (int b = 0; b < 2; b++) p.onBatchEnd(++step, 4, 0.5 / step);
      EpochMetrics m = new EpochMetrics(e, 0.1, 0.75, 0.2, 0.5, 1e-3, step, 0.01, 800);
      history.add(m);
      p.onEpochEnd(m);
    }
    p.onTrainingEnd(new TrainingResult(history, 2, 0.2, false, false, 6));
    p.close();  // the command closes it again when training fails or ends: no second line
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(1, lines.length, bytes.toString(StandardCharsets.UTF_8));
    String line = lines[0];
    assertEquals(true, line.startsWith("AVeryLongModelNameThatWouldNotFitInAnEightyColumnTerminalWindow:"
        + " step 6/6 (100%), epoch 3/3, "), line);
    assertEquals(true, line.endsWith(" loss 0.08333 acc 0.750 val 0.2000 val acc 0.500"), line);
  }
}
