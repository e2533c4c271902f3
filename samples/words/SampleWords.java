import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.io.Checkpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Prints 20 words sampled from a trained model of this sample, words.nn (the transformer) or
 * lstm.nn (the LSTM): from ".", each next letter is drawn from the softmax of the model's logits
 * at the current position, until "." (the end) or 15 letters. Any model with the same interface
 * works: input ids[16] (0 = ".", a = 1 ... z = 26), output logits[16, 27], position t predicting
 * letter t + 1 from letters 0..t.
 *
 * <pre>java -cp cli/target/deltac.jar samples/words/SampleWords.java MODEL.nn CHECKPOINT [seed]
 * java -cp cli/target/deltac.jar samples/words/SampleWords.java samples/words/lstm.nn runs/WordsLstm/WordsLstm.ckpt</pre>
 */
public final class SampleWords {
  static final int POSITIONS = 16;
  static final int LETTERS = 27;

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: SampleWords MODEL.nn CHECKPOINT [seed]");
      System.exit(2);
    }
    FloatModel m = Deltac.compile(Path.of(args[0])).model().newModel(1);
    Checkpoint.load(Path.of(args[1]), m);
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
    System.out.println("sampled: " + String.join(" ", sample(m, 20, seed)));
  }

  /** {@code count} words drawn from the model with this seed (the same seed, the same words). */
  public static String[] sample(FloatModel m, int count, long seed) {
    if (m.info().inputSize() != POSITIONS || m.info().outputSize() != POSITIONS * LETTERS) {
      throw new IllegalArgumentException("SampleWords needs a model of input ids[" + POSITIONS
          + "] and output logits[" + POSITIONS + ", " + LETTERS + "]; this one has "
          + m.info().inputSize() + " inputs and " + m.info().outputSize() + " outputs");
    }
    Random rnd = new Random(seed);
    float[] ids = new float[POSITIONS];
    float[] logits = new float[POSITIONS * LETTERS];
    double[] p = new double[LETTERS];
    String[] words = new String[count];
    for (int w = 0; w < count; w++) {
      Arrays.fill(ids, 0);
      StringBuilder word = new StringBuilder();
      for (int t = 0; t < POSITIONS - 1; t++) {
        m.predict(ids, 0, logits, 0);
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < LETTERS; c++) max = Math.max(max, logits[t * LETTERS + c]);
        double sum = 0;
        for (int c = 0; c < LETTERS; c++) sum += p[c] = Math.exp(logits[t * LETTERS + c] - max);
        double u = rnd.nextDouble() * sum;
        int c = 0;
        while (c < LETTERS - 1 && (u -= p[c]) > 0) c++;
        if (c == 0) break;
        word.append((char) ('a' + c - 1));
        ids[t + 1] = c;
      }
      words[w] = word.toString();
    }
    return words;
  }
}
