package dev.deltac.exchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the tensor names of a file map to a model's {@code .nn} names when they differ, as
 * {@code FROM=TO} pairs: {@code 0.weight=h.W} reads the file's {@code 0.weight} as the model's
 * {@code h.W}. Names not mentioned are taken as they are. A rename file holds one pair per line;
 * blank lines and lines starting with {@code #} are skipped, and spaces around {@code =} are
 * allowed.
 */
public final class Renames {
  /** No renaming. */
  public static final Renames NONE = new Renames(Map.of());

  private final Map<String, String> fileToModel;

  private Renames(Map<String, String> fileToModel) {
    this.fileToModel = Collections.unmodifiableMap(new LinkedHashMap<>(fileToModel));
  }

  /** From {@code FROM=TO} pairs; a malformed pair or a name renamed twice is an error. */
  public static Renames of(List<String> pairs) throws ExchangeException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String p : pairs) add(m, p, "--rename " + p);
    return new Renames(m);
  }

  /** {@code pairs}, then the pairs of {@code file} (may be null). */
  public static Renames of(List<String> pairs, Path file) throws IOException {
    Map<String, String> m = new LinkedHashMap<>(of(pairs).fileToModel);
    if (file != null) {
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new ExchangeException(file + ": no such rename file");
      }
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty() || line.startsWith("#")) continue;
        add(m, line, file + ":" + (i + 1));
      }
    }
    return new Renames(m);
  }

  private static void add(Map<String, String> m, String pair, String where) throws ExchangeException {
    int eq = pair.indexOf('=');
    String from = eq < 0 ? "" : pair.substring(0, eq).strip();
    String to = eq < 0 ? "" : pair.substring(eq + 1).strip();
    if (from.isEmpty() || to.isEmpty() || to.indexOf('=') >= 0) {
      throw new ExchangeException(where + ": a rename is FROM=TO (the file's name, then the model's), e.g. 0.weight=h.W");
    }
    if (m.containsKey(from)) throw new ExchangeException(where + ": " + from + " is renamed twice");
    if (m.containsValue(to)) throw new ExchangeException(where + ": two names are renamed to " + to);
    m.put(from, to);
  }

  /** The model's name for a file's tensor. */
  public String modelName(String fileName) {
    return fileToModel.getOrDefault(fileName, fileName);
  }

  /** The pairs, file name to model name. */
  public Map<String, String> pairs() {
    return fileToModel;
  }

  public boolean isEmpty() {
    return fileToModel.isEmpty();
  }
}
