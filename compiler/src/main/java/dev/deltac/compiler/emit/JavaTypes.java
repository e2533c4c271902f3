package dev.deltac.compiler.emit;

import com.palantir.javapoet.ClassName;
import java.util.List;

/**
 * Every class the generated code refers to. Their simple names (and the package roots) are taken
 * in each class's name allocator before any user name, so that no field or local can obscure
 * one of them ({@link ClassContext}); JavaPoet qualifies a type whose simple name clashes with the
 * generated class itself (a model named {@code Math}).
 */
final class JavaTypes {
  private JavaTypes() {}

  static final ClassName MATH = ClassName.get(Math.class);
  static final ClassName FLOAT = ClassName.get(Float.class);
  static final ClassName DOUBLE = ClassName.get(Double.class);
  static final ClassName SYSTEM = ClassName.get(System.class);
  static final ClassName STRING = ClassName.get(String.class);
  static final ClassName OBJECT = ClassName.get(Object.class);
  static final ClassName OVERRIDE = ClassName.get(Override.class);
  static final ClassName ILLEGAL_ARGUMENT = ClassName.get(IllegalArgumentException.class);
  static final ClassName ARRAYS = ClassName.get(java.util.Arrays.class);
  static final ClassName LIST = ClassName.get(java.util.List.class);
  static final ClassName MODEL_INFO = ClassName.get("dev.deltac.runtime", "ModelInfo");
  static final ClassName TENSOR_INFO = ClassName.get("dev.deltac.runtime", "TensorInfo");
  static final ClassName PRECISION = ClassName.get("dev.deltac.runtime", "Precision");
  static final ClassName MATH_FUNCTIONS = ClassName.get("dev.deltac.runtime", "MathFunctions");
  static final ClassName DROPOUT = ClassName.get("dev.deltac.runtime", "Dropout");
  static final ClassName FLOAT_MODEL = ClassName.get("dev.deltac.runtime", "FloatModel");
  static final ClassName DOUBLE_MODEL = ClassName.get("dev.deltac.runtime", "DoubleModel");
  static final ClassName FLOAT_FUNCTION = ClassName.get("dev.deltac.runtime", "FloatFunction");
  static final ClassName DOUBLE_FUNCTION = ClassName.get("dev.deltac.runtime", "DoubleFunction");
  static final ClassName DENSE_KERNELS = ClassName.get("dev.deltac.runtime.kernels", "DenseKernels");
  static final ClassName RECURRENT_KERNELS = ClassName.get("dev.deltac.runtime.kernels", "RecurrentKernels");
  static final ClassName CONV2D_KERNELS = ClassName.get("dev.deltac.runtime.kernels", "Conv2dKernels");
  static final ClassName SMALL_PRODUCTS = ClassName.get("dev.deltac.runtime.kernels", "SmallProducts");
  static final ClassName CLASS = ClassName.get(Class.class);
  static final ClassName LONG = ClassName.get(Long.class);
  static final ClassName ILLEGAL_STATE = ClassName.get(IllegalStateException.class);
  static final ClassName REFLECTIVE = ClassName.get(ReflectiveOperationException.class);
  static final ClassName INITIALIZERS = ClassName.get("dev.deltac.runtime", "Initializers");
  static final ClassName INDICES = ClassName.get("dev.deltac.runtime", "Indices");
  static final ClassName TRAINING_DEFAULTS =
      ClassName.get("dev.deltac.runtime.train", "TrainingDefaults");
  static final ClassName MAP = ClassName.get(java.util.Map.class);
  static final ClassName TREE_MAP = ClassName.get(java.util.TreeMap.class);
  static final ClassName BOOLEAN = ClassName.get(Boolean.class);
  static final ClassName INTEGER = ClassName.get(Integer.class);
  static final ClassName RUNNING_STATISTICS = ClassName.get("dev.deltac.runtime", "RunningStatistics");
  static final ClassName BATCH_COUPLED = ClassName.get("dev.deltac.runtime", "BatchCoupled");

  static final List<ClassName> ALL = List.of(MATH, FLOAT, DOUBLE, SYSTEM, STRING, OBJECT, OVERRIDE,
      ILLEGAL_ARGUMENT, ARRAYS, LIST, MODEL_INFO, TENSOR_INFO, PRECISION, MATH_FUNCTIONS, DROPOUT,
      FLOAT_MODEL, DOUBLE_MODEL, FLOAT_FUNCTION, DOUBLE_FUNCTION, DENSE_KERNELS, INITIALIZERS,
      CLASS, LONG, ILLEGAL_STATE, REFLECTIVE, INDICES, TRAINING_DEFAULTS, MAP, TREE_MAP, BOOLEAN, INTEGER,
      RUNNING_STATISTICS, BATCH_COUPLED, RECURRENT_KERNELS, CONV2D_KERNELS, SMALL_PRODUCTS);

  /** Simple names and package roots no field or local may take. */
  static List<String> reservedNames() {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (ClassName c : ALL) {
      out.add(c.simpleName());
      String root = c.packageName().split("\\.")[0];
      if (!out.contains(root)) out.add(root);
    }
    return out;
  }
}
