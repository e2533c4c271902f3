package dev.deltac.compiler.generate;

import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompiledFunction;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.diag.Diagnostic;
import dev.deltac.compiler.diag.DiagnosticFormatter;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.generate.GenerateResult.FileResult;
import dev.deltac.compiler.generate.GenerateResult.MethodSize;
import dev.deltac.compiler.generate.GenerateResult.Status;
import dev.deltac.compiler.load.MethodSizes;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.runtime.Precision;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import javax.lang.model.SourceVersion;

/**
 * Writes the Java sources of {@code .nn} files: one class per model or function and precision,
 * {@code OUT/com/acme/Xor.java} for {@code model Xor} in {@code com/acme/xor.nn}. Shared by the
 * Maven plugin ({@code deltac:generate}) and the CLI ({@code deltac compile}).
 *
 * <p><b>Up to date.</b> With a state file, a file is skipped when its generated sources exist,
 * are newer than it, and were made from the same content (SHA-256) by the same compiler version
 * with the same options (package, precisions, gate); otherwise it is regenerated. Outputs of
 * files that were removed (or excluded) since the last run are deleted.
 *
 * <p><b>Build gate.</b> With {@code maxMethodBytes > 0}, every generated class is compiled in
 * memory (Janino) and every method's bytecode size measured; a file with a method over the
 * limit is refused and nothing of it is written. HotSpot never JIT-compiles a method above
 * {@value MethodSizes#HUGE_METHOD_LIMIT} bytes: such code would silently run interpreted.
 *
 * <p>Stateless and thread-safe: concurrent runs must use different state files.
 */
public final class SourceGenerator {
  private static final String STATE_HEADER = "deltac generated sources; do not edit";

  private SourceGenerator() {}

  /** Generates what is out of date; never throws for a bad {@code .nn} file (see the result). */
  public static GenerateResult generate(GenerateRequest request) throws IOException {
    return new Run(request).run();
  }

  /**
   * The compiler's version; for a snapshot also the size and time of the compiler's jar, so that
   * a rebuilt compiler regenerates everything.
   */
  public static String generatorVersion() {
    return VersionHolder.VERSION;
  }

  private static final class VersionHolder {
    static final String VERSION = compute();

    private static String compute() {
      String version = "unknown";
      try (InputStream in = SourceGenerator.class.getResourceAsStream("deltac-version.properties")) {
        if (in != null) {
          Properties p = new Properties();
          p.load(in);
          version = p.getProperty("version", version);
        }
      } catch (IOException e) {
        // keep "unknown": every run regenerates through the jar stamp below
      }
      if (version.endsWith("-SNAPSHOT") || version.equals("unknown") || version.startsWith("${")) {
        try {
          Path jar = Path.of(SourceGenerator.class.getProtectionDomain().getCodeSource().getLocation()
              .toURI());
          if (Files.isRegularFile(jar)) {
            version += "@" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis();
          } else {
            version += "@" + System.nanoTime(); // classes folder: no stable stamp
          }
        } catch (IOException | URISyntaxException | RuntimeException e) {
          version += "@" + System.nanoTime();
        }
      }
      return version;
    }
  }

  /** The package of {@code file}: the request's, or its folder under the source root. */
  static String packageOf(GenerateRequest request, Path file) throws InvalidFileException {
    if (request.packageName() != null) return request.packageName();
    if (!file.startsWith(request.sourceRoot())) {
      throw new InvalidFileException(file + ": error: the file is not under the source folder "
          + request.sourceRoot() + ", so its package cannot be derived; set a package name");
    }
    Path parent = request.sourceRoot().relativize(file).getParent();
    if (parent == null) return "";
    List<String> parts = new ArrayList<>();
    for (Path p : parent) {
      String s = p.toString();
      if (!SourceVersion.isIdentifier(s) || SourceVersion.isKeyword(s)) {
        throw new InvalidFileException(file + ": error: folder '" + s + "' is not a Java package"
            + " name part, so the package cannot be derived from " + parent
            + "; rename the folder or set a package name");
      }
      parts.add(s);
    }
    return String.join(".", parts);
  }

  static final class InvalidFileException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidFileException(String message) {
      super(message);
    }
  }

  /** One file's record in the state file. */
  private record Entry(String hash, String options, List<String> outputs) {}

  private static final class Run {
    private final GenerateRequest request;
    private final Map<String, Entry> oldState;
    private final Map<String, Entry> newState = new TreeMap<>();
    /** Output (relative to the output folder) → the file that generates it in this run. */
    private final Map<String, Path> claimed = new HashMap<>();
    private final List<FileResult> results = new ArrayList<>();
    private final List<Path> deleted = new ArrayList<>();

    Run(GenerateRequest request) throws IOException {
      this.request = request;
      this.oldState = request.stateFile() == null ? Map.of() : readState(request.stateFile());
    }

    GenerateResult run() throws IOException {
      for (Path file : request.files()) results.add(one(file));
      // outputs of files gone from the request
      for (Map.Entry<String, Entry> e : oldState.entrySet()) {
        if (!newState.containsKey(e.getKey())) deleteOutputs(e.getValue().outputs(), List.of());
      }
      if (request.stateFile() != null) writeState(request.stateFile(), newState);
      return new GenerateResult(results, deleted);
    }

    /**
     * Compiles {@code file} named as {@code name} (its path under the source folder), so that
     * generated sources hold no absolute path and are the same in any checkout. Diagnostics keep
     * the absolute path, as javac's do, so that IDE consoles link them.
     */
    private static Compilation compileAs(Path file, String name) throws CompileException {
      try {
        return Deltac.compile(file, name);
      } catch (CompileException e) {
        return Deltac.compile(file);
      }
    }

    private String key(Path file) {
      Path root = request.sourceRoot();
      Path p = file.startsWith(root) ? root.relativize(file) : file;
      return p.toString().replace('\\', '/');
    }

    private FileResult one(Path file) throws IOException {
      String key = key(file);
      Entry old = oldState.get(key);
      String pkg;
      try {
        pkg = packageOf(request, file);
      } catch (InvalidFileException e) {
        keepForRetry(key, old);
        return invalid(file, List.of(), List.of(e.getMessage()));
      }
      String hash = Files.isRegularFile(file) ? sha256(Files.readAllBytes(file)) : "";
      String options = request.stateFile() == null ? "" : generatorVersion() + "|package=" + pkg
          + "|precisions=" + request.precisionList() + "|max=" + request.maxMethodBytes();
      if (old != null && upToDate(file, old, hash, options)) {
        List<Path> outputs = resolve(old.outputs());
        for (String o : old.outputs()) claimed.put(o, file);
        newState.put(key, old);
        return new FileResult(file, Status.UP_TO_DATE, outputs, List.of(), List.of(), List.of(),
            List.of(), List.of(), List.of());
      }

      Compilation compilation;
      try {
        compilation = compileAs(file, key);
      } catch (CompileException e) {
        keepForRetry(key, old);
        Diagnostics d = e.diagnostics();
        if (d == null) return invalid(file, List.of(), List.of(e.getMessage()));
        List<Diagnostic> sorted = d.sorted();
        List<String> errors = new ArrayList<>();
        for (Diagnostic diag : sorted) {
          errors.add(DiagnosticFormatter.format(diag, d.source(diag.span().file())).stripTrailing());
        }
        return invalid(file, sorted, errors);
      }

      // class name → source, models then functions, float32 then float64
      Map<String, String> sources = new LinkedHashMap<>();
      for (Precision p : request.precisionList()) {
        for (CompiledModel m : compilation.models()) {
          sources.put(m.className(p), m.javaSource(p, pkg));
        }
        for (CompiledFunction f : compilation.functions()) {
          sources.put(f.className(p), f.javaSource(p, pkg));
        }
      }
      String dir = pkg.isEmpty() ? "" : pkg.replace('.', '/') + "/";
      List<String> outputs = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (String cls : sources.keySet()) {
        String out = dir + cls + ".java";
        Path other = claimed.get(out);
        if (other != null && !other.equals(file)) {
          errors.add(file + ": error: class " + qualified(pkg, cls) + " is also generated from "
              + other + "; rename one of the declarations or put the files in different folders");
        }
        outputs.add(out);
      }
      if (!errors.isEmpty()) {
        keepForRetry(key, old);
        return invalid(file, List.of(), errors);
      }

      List<MethodSize> methods = new ArrayList<>();
      List<MethodSize> oversized = new ArrayList<>();
      if (request.maxMethodBytes() > 0) {
        for (Map.Entry<String, String> s : sources.entrySet()) {
          String fqcn = qualified(pkg, s.getKey());
          ModelLoader.Compiled compiled = ModelLoader.compileUncached(fqcn, s.getValue());
          for (Map.Entry<String, byte[]> c : new TreeMap<>(compiled.bytecodes()).entrySet()) {
            String simple = c.getKey().substring(c.getKey().lastIndexOf('.') + 1);
            for (MethodSizes.MethodCode m : MethodSizes.methods(c.getValue()).values()) {
              MethodSize size = new MethodSize(simple, m.name(), m.descriptor(), m.length());
              methods.add(size);
              if (m.length() > request.maxMethodBytes()) {
                oversized.add(size);
                errors.add(file + ": error: generated method " + size.className() + "."
                    + size.method() + size.descriptor() + " has " + size.bytes()
                    + " bytecode bytes, over the limit of " + request.maxMethodBytes()
                    + " (HotSpot does not JIT-compile methods above "
                    + MethodSizes.HUGE_METHOD_LIMIT + " bytes: it would run interpreted)");
              }
            }
          }
        }
      }
      if (!oversized.isEmpty()) {
        keepForRetry(key, old);
        return new FileResult(file, Status.TOO_LARGE, List.of(), List.of(), errors, methods,
            oversized, List.of(), List.of());
      }

      for (Map.Entry<String, String> s : sources.entrySet()) {
        Path target = request.outputDirectory().resolve(dir + s.getKey() + ".java");
        Files.createDirectories(target.getParent());
        Files.writeString(target, s.getValue(), StandardCharsets.UTF_8);
      }
      for (String o : outputs) claimed.put(o, file);
      if (old != null) deleteOutputs(old.outputs(), outputs);
      newState.put(key, new Entry(hash, options, outputs));
      return new FileResult(file, Status.GENERATED, resolve(outputs), compilation.warnings(),
          List.of(), methods, List.of(), warnings(file, compilation), summaries(compilation));
    }

    /** One line per model of the file: its params and FLOPs ({@link CompiledModel#summary}). */
    private static List<String> summaries(Compilation c) {
      List<String> out = new ArrayList<>();
      for (CompiledModel m : c.models()) out.add(m.summary());
      return out;
    }

    /** The file's warnings, formatted with its path as given (absolute, as javac's are). */
    private static List<String> warnings(Path file, Compilation c) {
      List<String> out = new ArrayList<>();
      for (Diagnostic d : c.warnings()) {
        SourceSpan s = d.span();
        Diagnostic at = new Diagnostic(d.kind(), d.severity(), new SourceSpan(file.toString(),
            s.line(), s.column(), s.endLine(), s.endColumn()), d.message());
        out.add(DiagnosticFormatter.format(at, c.source()).stripTrailing());
      }
      return out;
    }

    /** A failed file keeps its old outputs tracked (so they are cleaned up later), never up to date. */
    private void keepForRetry(String key, Entry old) {
      if (old != null) newState.put(key, new Entry("", "", old.outputs()));
    }

    private FileResult invalid(Path file, List<Diagnostic> diagnostics, List<String> errors) {
      return new FileResult(file, Status.INVALID, List.of(), diagnostics, errors, List.of(),
          List.of(), List.of(), List.of());
    }

    private boolean upToDate(Path file, Entry e, String hash, String options) throws IOException {
      if (!e.hash().equals(hash) || !e.options().equals(options) || e.outputs().isEmpty()) {
        return false;
      }
      FileTime source = Files.getLastModifiedTime(file);
      for (Path out : resolve(e.outputs())) {
        if (!Files.isRegularFile(out) || Files.getLastModifiedTime(out).compareTo(source) < 0) {
          return false;
        }
      }
      return true;
    }

    private List<Path> resolve(List<String> outputs) {
      return outputs.stream().map(o -> request.outputDirectory().resolve(o)).toList();
    }

    private void deleteOutputs(List<String> outputs, List<String> keep) throws IOException {
      for (String o : outputs) {
        if (keep.contains(o) || claimed.containsKey(o)) continue;
        Path p = request.outputDirectory().resolve(o);
        if (Files.deleteIfExists(p)) deleted.add(p);
      }
    }
  }

  private static String qualified(String pkg, String cls) {
    return pkg.isEmpty() ? cls : pkg + "." + cls;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // state file: a header line, then one line per source file, sorted:
  // PATH <tab> SHA-256 <tab> OPTIONS <tab> OUTPUT;OUTPUT...
  private static Map<String, Entry> readState(Path stateFile) {
    Map<String, Entry> out = new TreeMap<>();
    if (!Files.isRegularFile(stateFile)) return out;
    List<String> lines;
    try {
      lines = Files.readAllLines(stateFile, StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      return out; // unreadable: regenerate everything
    }
    for (String line : lines) {
      if (line.startsWith("#") || line.isBlank()) continue;
      String[] f = line.split("\t", -1);
      if (f.length != 4) return new TreeMap<>(); // not ours: regenerate everything
      out.put(f[0], new Entry(f[1], f[2], f[3].isEmpty() ? List.of() : List.of(f[3].split(";"))));
    }
    return out;
  }

  private static void writeState(Path stateFile, Map<String, Entry> state) throws IOException {
    StringBuilder sb = new StringBuilder("# ").append(STATE_HEADER).append('\n');
    for (Map.Entry<String, Entry> e : state.entrySet()) {
      Entry v = e.getValue();
      sb.append(e.getKey()).append('\t').append(v.hash()).append('\t').append(v.options())
          .append('\t').append(String.join(";", v.outputs())).append('\n');
    }
    Path dir = stateFile.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".deltac-state", ".tmp");
    try {
      Files.writeString(tmp, sb, StandardCharsets.UTF_8);
      Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
