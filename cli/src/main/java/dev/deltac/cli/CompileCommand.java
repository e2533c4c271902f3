package dev.deltac.cli;

import dev.deltac.compiler.generate.GenerateRequest;
import dev.deltac.compiler.generate.GenerateResult;
import dev.deltac.compiler.generate.SourceGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deltac compile MODEL.nn -o DIR}: writes the generated Java sources, through the same
 * {@link SourceGenerator} as the Maven plugin (build gate included).
 */
@Command(name = "compile", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write the generated Java source of every model and function of the files.",
        "The classes need only deltac-runtime; float64 twins are named with a 64 suffix (Xor64)."})
public final class CompileCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "MODEL.nn", description = "the model files")
  List<Path> files;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
      description = "the source root to write into (DIR/com/acme/Xor.java)")
  Path output;

  @Option(names = "--package", paramLabel = "P", defaultValue = "",
      description = "the Java package of the generated classes (default: the unnamed package)")
  String packageName;

  @Option(names = "--precision", paramLabel = "LIST", defaultValue = "float32",
      description = "float32, float64 or both, or a comma-separated list (default: ${DEFAULT-VALUE})")
  String precision;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GenerateRequest request;
    try {
      List<Path> absolute = new ArrayList<>();
      for (Path f : files) absolute.add(f.toAbsolutePath().normalize());
      request = GenerateRequest.of(Path.of("").toAbsolutePath(), absolute, output)
          .withPackageName(packageName)
          .withPrecisions(GenerateRequest.parsePrecisions(precision));
    } catch (IllegalArgumentException e) {
      err.println("deltac compile: " + e.getMessage());
      return 2;
    }
    GenerateResult result = SourceGenerator.generate(request);
    for (GenerateResult.FileResult f : result.files()) {
      if (f.status().isOk()) {
        for (String w : f.warnings()) err.println(w);
        for (Path p : f.outputs()) out.println("wrote " + p);
        for (String m : f.summaries()) out.println(m);
      } else {
        for (String e : f.errors()) {
          err.print(e);
          if (!e.endsWith("\n")) err.println();
        }
      }
    }
    result.largest().ifPresent(m -> out.println("largest generated method: " + m));
    out.flush();
    err.flush();
    return result.isOk() ? 0 : 1;
  }
}
