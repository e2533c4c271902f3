package dev.deltac.compiler.emit;

import dev.deltac.runtime.Precision;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a generated source to a file, for looking at it: args resource-path class-name out-file. */
public final class DumpSource {
  private DumpSource() {}

  public static void main(String[] args) throws Exception {
    String src = Harness.source(NnFiles.resource(args[0]), "gen", args[1], Precision.FLOAT32,
        args[0].substring(args[0].lastIndexOf('/') + 1));
    Files.writeString(Path.of(args[2]), src);
  }
}
