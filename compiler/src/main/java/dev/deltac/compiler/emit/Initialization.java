package dev.deltac.compiler.emit;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.MethodSpec;
import javax.lang.model.element.Modifier;

/**
 * The generated {@code initParams(seed)}: one call to the runtime's
 * {@code dev.deltac.runtime.Initializers.initialize(model, seed)}, which fills every parameter
 * from {@code info()} (initializer names, arguments, fans). While that class is not on the
 * compiler's class path the call is made reflectively, so that generated code still compiles.
 */
final class Initialization {
  static final String INITIALIZERS = "dev.deltac.runtime.Initializers";

  private Initialization() {}

  static boolean runtimeHasInitializers() {
    try {
      Class.forName(INITIALIZERS, false, Initialization.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  static MethodSpec initParams(ClassName iface) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("initParams").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).addParameter(long.class, "seed");
    if (runtimeHasInitializers()) {
      m.addStatement("$T.initialize(this, seed)", JavaTypes.INITIALIZERS);
    } else {
      m.beginControlFlow("try")
          .addStatement("$T.forName($S).getMethod($S, new $T[] {$T.class, long.class})"
              + ".invoke(null, new $T[] {this, $T.valueOf(seed)})", JavaTypes.CLASS, INITIALIZERS,
              "initialize", JavaTypes.CLASS, iface, JavaTypes.OBJECT, JavaTypes.LONG)
          .nextControlFlow("catch ($T e)", JavaTypes.REFLECTIVE)
          .addStatement("throw new $T($S, e)", JavaTypes.ILLEGAL_STATE, "no initializers in the runtime")
          .endControlFlow();
    }
    return m.build();
  }
}
