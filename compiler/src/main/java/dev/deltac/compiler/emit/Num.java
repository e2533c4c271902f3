package dev.deltac.compiler.emit;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.TypeName;
import dev.deltac.runtime.Precision;

/** The element type of generated code: its Java type, literals and casts. */
final class Num {
  final Precision precision;
  final boolean isFloat;

  Num(Precision precision) {
    this.precision = precision;
    this.isFloat = precision == Precision.FLOAT32;
  }

  /** {@code float} or {@code double}. */
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
  Expr lit(double v) {
    com.palantir.javapoet.ClassName box = isFloat ? JavaTypes.FLOAT : JavaTypes.DOUBLE;
    if (Double.isNaN(v)) return new Expr.StaticField(box, "NaN");
    if (isFloat) {
      float f = (float) v;
      if (Float.isInfinite(f)) return new Expr.StaticField(box, f > 0 ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
      return new Expr.Lit(Float.toString(f) + "f", negative(v));
    }
    if (Double.isInfinite(v)) return new Expr.StaticField(box, v > 0 ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
    return new Expr.Lit(Double.toString(v), negative(v));
  }

  /** A {@code double} literal, for arithmetic done in double whatever the element type. */
  static Expr dlit(double v) {
    if (Double.isNaN(v)) return new Expr.StaticField(JavaTypes.DOUBLE, "NaN");
    if (Double.isInfinite(v)) return new Expr.StaticField(JavaTypes.DOUBLE, v > 0 ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
    return new Expr.Lit(Double.toString(v), negative(v));
  }

  /** True when the literal starts with a minus sign (-0.0 included). */
  private static boolean negative(double v) {
    return Double.doubleToRawLongBits(v) < 0;
  }

  /** Casts a double-valued expression (a {@code Math} call) to the element type. */
  Expr cast(Expr doubleExpr) {
    return isFloat ? new Expr.Cast(TypeName.FLOAT, doubleExpr) : doubleExpr;
  }
}
