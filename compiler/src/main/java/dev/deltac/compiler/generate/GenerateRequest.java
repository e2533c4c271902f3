package dev.deltac.compiler.generate;

import dev.deltac.runtime.Precision;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What to generate: {@code .nn} files under a source root, written as Java sources under an
 * output directory. Immutable; built by the Maven plugin's Mojo and by the CLI, and handed to
 * {@link SourceGenerator#generate}.
 *
 * @param sourceRoot the folder the files' packages are derived from ({@code src/main/deltac})
 * @param files the {@code .nn} files, each under {@code sourceRoot} when the package is derived
 * @param outputDirectory where {@code com/acme/Xor.java} goes
 * @param packageName the package of every generated class; null derives it from the file's
 *     folder under {@code sourceRoot} ({@code com/acme/xor.nn} → {@code com.acme}), as the
 *     protobuf and ANTLR plugins do; empty is the unnamed package
 * @param precisions float32 ({@code Xor}), float64 ({@code Xor64}) or both; never empty
 * @param stateFile where the up-to-date state is kept; null regenerates every file every time
 * @param maxMethodBytes the build gate: every generated class is compiled in memory and a method
 *     with more bytecode bytes than this fails its file; 0 turns the gate off
 */
public record GenerateRequest(Path sourceRoot, List<Path> files, Path outputDirectory,
    String packageName, Set<Precision> precisions, Path stateFile, int maxMethodBytes) {

  public GenerateRequest {
    Objects.requireNonNull(sourceRoot, "sourceRoot == null");
    Objects.requireNonNull(outputDirectory, "outputDirectory == null");
    Objects.requireNonNull(precisions, "precisions == null");
    sourceRoot = sourceRoot.toAbsolutePath().normalize();
    outputDirectory = outputDirectory.toAbsolutePath().normalize();
    Path root = sourceRoot;
    files = files.stream().map(f -> root.resolve(f).normalize()).sorted().distinct().toList();
    if (precisions.isEmpty()) throw new IllegalArgumentException("no precision given");
    precisions = Set.copyOf(EnumSet.copyOf(precisions));
    if (packageName != null && !packageName.isEmpty()
        && !javax.lang.model.SourceVersion.isName(packageName)) {
      throw new IllegalArgumentException("not a Java package name: '" + packageName + "'");
    }
    if (stateFile != null) stateFile = stateFile.toAbsolutePath().normalize();
    if (maxMethodBytes < 0) throw new IllegalArgumentException("maxMethodBytes < 0: " + maxMethodBytes);
  }

  /**
   * Every file at once, float32, package from the folders, no state file (always regenerate),
   * the gate at HotSpot's limit.
   */
  public static GenerateRequest of(Path sourceRoot, List<Path> files, Path outputDirectory) {
    return new GenerateRequest(sourceRoot, files, outputDirectory, null,
        EnumSet.of(Precision.FLOAT32), null, dev.deltac.compiler.load.MethodSizes.HUGE_METHOD_LIMIT);
  }

  public GenerateRequest withPackageName(String p) {
    return new GenerateRequest(sourceRoot, files, outputDirectory, p, precisions, stateFile,
        maxMethodBytes);
  }

  public GenerateRequest withPrecisions(Set<Precision> p) {
    return new GenerateRequest(sourceRoot, files, outputDirectory, packageName, p, stateFile,
        maxMethodBytes);
  }

  public GenerateRequest withStateFile(Path s) {
    return new GenerateRequest(sourceRoot, files, outputDirectory, packageName, precisions, s,
        maxMethodBytes);
  }

  public GenerateRequest withMaxMethodBytes(int max) {
    return new GenerateRequest(sourceRoot, files, outputDirectory, packageName, precisions,
        stateFile, max);
  }

  /** The precisions in a stable order (float32 first). */
  public List<Precision> precisionList() {
    return EnumSet.copyOf(precisions).stream().toList();
  }

  /**
   * Parses {@code float32}, {@code float64}, {@code both}, or a comma-separated list of them
   * (case-insensitive; {@code f32}/{@code f64} too).
   */
  public static Set<Precision> parsePrecisions(String text) {
    EnumSet<Precision> out = EnumSet.noneOf(Precision.class);
    for (String part : text.split("[,\\s]+")) {
      String p = part.trim().toLowerCase(java.util.Locale.ROOT);
      switch (p) {
        case "" -> { }
        case "float32", "f32", "float" -> out.add(Precision.FLOAT32);
        case "float64", "f64", "double" -> out.add(Precision.FLOAT64);
        case "both", "all" -> out.addAll(EnumSet.allOf(Precision.class));
        default -> throw new IllegalArgumentException("unknown precision '" + part.trim()
            + "': use float32, float64 or both");
      }
    }
    if (out.isEmpty()) throw new IllegalArgumentException("no precision in '" + text + "'");
    return out;
  }
}
