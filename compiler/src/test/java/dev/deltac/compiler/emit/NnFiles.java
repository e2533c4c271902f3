package dev.deltac.compiler.emit;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Lowering;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Lowers the first (or named) declaration of a .nn text or test resource. */
final class NnFiles {
  private NnFiles() {}

  static Graph lower(String fileName, String text, String declName) {
    FrontendResult r = Frontend.parse(fileName, text);
    if (!r.ok()) throw new IllegalArgumentException(fileName + ": " + r.diagnostics());
    for (Decl d : r.program().decls()) {
      if (declName == null || declName.equals(d.name().name())) return Lowering.lower(d, r.check());
    }
    throw new IllegalArgumentException("no declaration " + declName + " in " + fileName);
  }

  static Graph resource(String path) {
    try (InputStream in = NnFiles.class.getResourceAsStream("/" + path)) {
      if (in == null) throw new IllegalArgumentException("no resource " + path);
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return lower(path.substring(path.lastIndexOf('/') + 1), text, null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
