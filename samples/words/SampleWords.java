import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.io.Checkpoint;
import java.nio.file.Path;
import java.util.Random;

/**
 * Prints 20 words sampled from a trained words.nn: from ".", each next letter is drawn from the
 * softmax of the model's logits at the current position, until "." (the end) or 15 letters.
 *
 * <pre>java -cp cli/target/deltac.jar samples/words/SampleWords.java runs/Words/Words.ckpt [seed]</pre>
 */
public final class SampleWords {
  public static void main(String[] args) throws Exception {
    Path ckpt = Path.of(args.length > 0 ? args[0] : "runs/Words/Words.ckpt");
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    FloatModel m = Deltac.compile(Path.of("samples/words/words.nn")).model().newModel(1);
    Checkpoint.load(ckpt, m);
    Random rnd = new Random(seed);
    int positions = 16;
    int letters = 27;
    float[] ids = new float[positions];
    float[] logits = new float[positions * letters];
    StringBuilder all = new StringBuilder();
    for (int w = 0; w < 20; w++) {
      java.util.Arrays.fill(ids, 0);
      StringBuilder word = new StringBuilder();
      for (int t = 0; t < positions - 1; t++) {
        m.predict(ids, 0, logits, 0);
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < letters; c++) max = Math.max(max, logits[t * letters + c]);
        double[] p = new double[letters];
        double sum = 0;
        for (int c = 0; c < letters; c++) sum += p[c] = Math.exp(logits[t * letters + c] - max);
        double u = rnd.nextDouble() * sum;
        int c = 0;
        while (c < letters - 1 && (u -= p[c]) > 0) c++;
        if (c == 0) break;
        word.append((char) ('a' + c - 1));
        ids[t + 1] = c;
      }
      all.append(w > 0 ? " " : "").append(word);
    }
    System.out.println("sampled: " + all);
  }
}
