package dev.deltac.compiler.check;

import java.util.Set;

/**
 * Which model and function names can become Java class names: anything but keywords, literals and
 * the names Java forbids for types. A name that is also a {@code java.lang} or runtime class
 * ({@code Math}, {@code String}) is fine: the emitter writes every type through JavaPoet, which
 * qualifies a type whose simple name is the generated class's own.
 */
public final class JavaNames {
  private JavaNames() {}

  /** Java keywords and literals: never a class name. */
  public static final Set<String> KEYWORDS = Set.of(
      "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
      "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
      "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long",
      "native", "new", "package", "private", "protected", "public", "return", "short", "static",
      "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
      "void", "volatile", "while", "true", "false", "null", "_");

  /** Contextual names that Java 17 forbids as type names. */
  public static final Set<String> RESTRICTED_TYPE_NAMES = Set.of("var", "yield", "record", "sealed", "permits");

  /** Null when {@code name} is a usable class name, else why not. */
  public static String problem(String name) {
    if (KEYWORDS.contains(name)) return "`" + name + "` is a Java keyword";
    if (RESTRICTED_TYPE_NAMES.contains(name)) return "`" + name + "` cannot name a Java class";
    if (name.isEmpty() || !Character.isJavaIdentifierStart(name.charAt(0))) return "`" + name + "` is not a Java identifier";
    for (int i = 1; i < name.length(); i++) {
      if (!Character.isJavaIdentifierPart(name.charAt(i))) return "`" + name + "` is not a Java identifier";
    }
    return null;
  }
}
