package dev.deltac.cli;

import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.ir.DotExport;
import dev.deltac.compiler.ir.Graph;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code deltac graph MODEL.nn [--backward] -o FILE}: the forward or reverse-mode graph. */
@Command(name = "graph", mixinStandardHelpOptions = true,
    description = {"Write the forward or reverse-mode IR graph as Graphviz DOT, SVG or PNG.",
        "With -o FILE.svg or FILE.png, render it with Graphviz's `dot` (apt-get install graphviz)."})
public final class GraphCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.nn", description = "the model file")
  Path file;

  @Option(names = "--backward", description = "the optimized reverse-mode graph (default: forward)")
  boolean backward;

  @Option(names = "--model", paramLabel = "NAME", description = "which model or function, when the file has several")
  String name;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "where to write: .dot/.gv for DOT text, .svg/.png/.pdf to render; default stdout")
  Path output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Compilation c = Compiling.compile(file, err);
    if (c == null) return 1;
    Graph g;
    try {
      g = pick(c);
    } catch (CompileException e) {
      err.println("deltac graph: " + e.getMessage());
      return 1;
    }
    String dot = DotExport.toDot(g);
    if (output == null) {
      out.print(dot);
      out.flush();
      return 0;
    }
    String format = format(output);
    if (format == null) {
      Files.writeString(output, dot, StandardCharsets.UTF_8);
    } else if (!render(dot, format, output, err)) {
      return 1;
    }
    out.println("wrote " + output);
    return 0;
  }

  private Graph pick(Compilation c) throws CompileException {
    if (name != null && c.names().contains(name) && c.models().stream().noneMatch(m -> m.name().equals(name))) {
      var f = c.function(name);
      return backward ? f.gradient() : f.lowered();
    }
    if (name == null && c.models().isEmpty()) {
      var f = c.function(null);
      return backward ? f.gradient() : f.lowered();
    }
    CompiledModel m = c.model(name);
    return backward ? m.backward() : m.forward();
  }

  /** The Graphviz output format for a file name, or null for DOT text. */
  static String format(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    for (String f : new String[] {"svg", "png", "pdf"}) {
      if (n.endsWith("." + f)) return f;
    }
    return null;
  }

  private static boolean render(String dot, String format, Path output, PrintWriter err)
      throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("dot", "-T" + format, "-o", output.toString())
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      err.println("deltac graph: Graphviz `dot` is not installed (apt-get install graphviz);"
          + " write DOT text instead with -o " + output.getFileName().toString().replaceAll("\\.[^.]*$", "") + ".dot");
      return false;
    }
    p.getOutputStream().write(dot.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      err.println("deltac graph: dot failed" + (msg.isEmpty() ? "" : ": " + msg));
      return false;
    }
    return true;
  }
}
