package dev.deltac.spark;

import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.kernels.DenseKernels;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The models of one executor JVM: each source is compiled once (by hash), and model instances
 * are pooled, one per task that runs at once, so steps reuse their buffers.
 */
final class ExecutorModels {
  private static final Map<String, CompiledModel> COMPILED = new ConcurrentHashMap<>();
  private static final Map<String, Queue<Instance>> POOL = new ConcurrentHashMap<>();
  /** Compilations in this JVM (tests check it stays at one per source). */
  static final AtomicLong COMPILATIONS = new AtomicLong();

  private ExecutorModels() {}

  /** A model instance with its input buffers, used by one task at a time. */
  static final class Instance {
    final FloatModel model;
    float[] xs = new float[0];
    float[] ts = new float[0];

    Instance(FloatModel model) {
      this.model = model;
    }
  }

  static Instance borrow(ModelSpec spec) {
    String mine = DenseKernels.get().name();
    if (!mine.equals(spec.kernels())) {
      throw new IllegalStateException("this executor runs the " + mine + " dense kernels but the"
          + " driver runs " + spec.kernels() + ": results would differ in the last bits. Start"
          + " executors and driver alike (spark.executor.extraJavaOptions=--add-modules"
          + " jdk.incubator.vector, or -Ddeltac.vector=false on both)");
    }
    Instance i = POOL.computeIfAbsent(spec.hash(), h -> new ConcurrentLinkedQueue<>()).poll();
    if (i != null) return i;
    CompiledModel m = COMPILED.computeIfAbsent(spec.hash(), h -> compile(spec));
    return new Instance(m.newModel(spec.maxBatch()));
  }

  static void giveBack(ModelSpec spec, Instance i) {
    POOL.get(spec.hash()).add(i);
  }

  private static CompiledModel compile(ModelSpec spec) {
    COMPILATIONS.incrementAndGet();
    try {
      return Deltac.compile(spec.fileName(), spec.source()).model(spec.modelName());
    } catch (CompileException e) {
      throw new IllegalStateException("executor cannot compile " + spec.fileName() + ": "
          + e.getMessage(), e);
    }
  }
}
