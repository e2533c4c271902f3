package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Structural equality of AST values that ignores {@link SourceSpan}s: two parses of differently
 * formatted text of the same program are equal. Numbers compare by value and spelling.
 */
public final class AstEquality {
  private AstEquality() {}

  public static boolean equal(Object a, Object b) {
    if (a == b) return true;
    if (a == null || b == null) return false;
    if (a instanceof SourceSpan && b instanceof SourceSpan) return true;
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if (la.size() != lb.size()) return false;
      for (int i = 0; i < la.size(); i++) {
        if (!equal(la.get(i), lb.get(i))) return false;
      }
      return true;
    }
    if (a instanceof Program pa && b instanceof Program pb) {
      return equal(pa.decls(), pb.decls());
    }
    if (a.getClass().isRecord() && a.getClass() == b.getClass()) {
      for (RecordComponent c : a.getClass().getRecordComponents()) {
        if (c.getType() == SourceSpan.class) continue;
        try {
          if (!equal(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) return false;
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
