package dev.deltac.compiler.load;

import dev.deltac.runtime.Model;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated sources in memory with the JDK's javac ({@code javax.tools}), as a check
 * that the emitted Java is plain Java and for tools that prefer javac. Needs a JDK, not a JRE.
 * No cache.
 */
public final class JavacLoader {
  private JavacLoader() {}

  /** Compiles {@code source} and returns the class {@code fqcn} and the bytecode of every class. */
  public static ModelLoader.Compiled compile(String fqcn, String source) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) throw new IllegalStateException("javac is not available (running on a JRE?)");
    DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
    Map<String, ByteArrayOutputStream> out = new HashMap<>();
    StandardJavaFileManager std = javac.getStandardFileManager(diags, Locale.ROOT, null);
    ForwardingJavaFileManager<StandardJavaFileManager> fm = new ForwardingJavaFileManager<>(std) {
      @Override
      public JavaFileObject getJavaFileForOutput(Location location, String className,
          JavaFileObject.Kind kind, FileObject sibling) {
        return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/')
            + kind.extension), kind) {
          @Override
          public OutputStream openOutputStream() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            out.put(className, bytes);
            return bytes;
          }
        };
      }
    };
    String simple = fqcn.substring(fqcn.lastIndexOf('.') + 1);
    JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + fqcn.replace('.', '/')
        + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    String cp = System.getProperty("java.class.path");
    List<String> options = new ArrayList<>(List.of("-classpath", cp, "-g", "--release", "17",
        "-Xlint:none", "-nowarn"));
    boolean ok = javac.getTask(null, fm, diags, options, null, List.of(file)).call();
    if (!ok) {
      for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
        if (d.getKind() == Diagnostic.Kind.ERROR) {
          throw new GeneratedCodeException(fqcn, source, (int) d.getLineNumber(),
              (int) d.getColumnNumber(), d.getMessage(Locale.ROOT), null);
        }
      }
      throw new GeneratedCodeException(fqcn, source, 0, 0, "javac failed", null);
    }
    Map<String, byte[]> bytes = new HashMap<>();
    out.forEach((k, v) -> bytes.put(k, v.toByteArray()));
    ClassLoader loader = new ClassLoader(Model.class.getClassLoader()) {
      @Override
      protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = bytes.get(name);
        if (b == null) throw new ClassNotFoundException(name);
        return defineClass(name, b, 0, b.length);
      }
    };
    try {
      return new ModelLoader.Compiled(loader.loadClass(fqcn), bytes);
    } catch (ClassNotFoundException e) {
      throw new GeneratedCodeException(fqcn, source, 0, 0, "no class " + simple + " in the source", e);
    }
  }
}
