package dev.deltac.compiler.emit;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.TypeName;
import dev.deltac.runtime.Precision;

/** The element type of generated code: its Java spelling, literals and casts. */
final class Num {
  final Precision precision;
  final boolean isFloat;
  /** {@code float} or {@code double}. */
  final String t;

  Num(Precision precision) {
    this.precision = precision;
    this.isFloat = precision == Precision.FLOAT32;
    this.t = isFloat ? "float" : "double";
  }

  TypeName type() {
    return isFloat ? TypeName.FLOAT : TypeName.DOUBLE;
  }

  TypeName array() {
    return ArrayTypeName.of(type());
  }

  TypeName matrix() {
    return ArrayTypeName.of(array());
  }

  /** A literal of the element type: {@code 0.5f}, {@code 1.0E-5}, {@code Float.NaN}. */
  String lit(double v) {
    String box = isFloat ? "Float" : "Double";
    if (Double.isNaN(v)) return box + ".NaN";
    if (v == Double.POSITIVE_INFINITY) return box + ".POSITIVE_INFINITY";
    if (v == Double.NEGATIVE_INFINITY) return box + ".NEGATIVE_INFINITY";
    if (isFloat) {
      float f = (float) v;
      if (Float.isInfinite(f)) return f > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
      return Float.toString(f) + "f";
    }
    return Double.toString(v);
  }

  /** Casts a double-valued expression (a {@code Math} call) to the element type. */
  String cast(String doubleExpr) {
    return isFloat ? "(float) " + doubleExpr : doubleExpr;
  }
}
