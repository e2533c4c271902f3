package dev.deltac.benchmarks.kernels;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reference peak: 12 independent 256-bit FMA chains in registers, no memory traffic.
 * Each call does {@code 12 * 8 * 2 * ITERATIONS} flops ({@link #fma12x8}); {@link #fma12x16} is
 * the same at 512 bits ({@link #FLOPS_512}), meaningful only where the hardware has 512-bit
 * vectors (not under {@code -XX:UseAVX=2}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeakBenchmark {
  static final int ITERATIONS = 4096;
  static final long FLOPS = 12L * 8 * 2 * ITERATIONS;
  static final long FLOPS_512 = 2 * FLOPS;
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
  private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;

  public float[] a = {1.0000001f, 0.9999999f, 1f, 1f, 1f, 1f, 1f, 1f};
  public float[] b = {0.5f, 0.25f, 0.125f, 1f, 2f, 0.5f, 0.25f, 0.125f};

  public float[] a16 = {1.0000001f, 0.9999999f, 1f, 1f, 1f, 1f, 1f, 1f,
      1.0000001f, 0.9999999f, 1f, 1f, 1f, 1f, 1f, 1f};
  public float[] b16 = {0.5f, 0.25f, 0.125f, 1f, 2f, 0.5f, 0.25f, 0.125f,
      0.5f, 0.25f, 0.125f, 1f, 2f, 0.5f, 0.25f, 0.125f};

  @Benchmark
  public float fma12x8() {
    FloatVector u = FloatVector.fromArray(S, a, 0);
    FloatVector v = FloatVector.fromArray(S, b, 0);
    FloatVector c0 = v;
    FloatVector c1 = v.add(1f);
    FloatVector c2 = v.add(2f);
    FloatVector c3 = v.add(3f);
    FloatVector c4 = v.add(4f);
    FloatVector c5 = v.add(5f);
    FloatVector c6 = v.add(6f);
    FloatVector c7 = v.add(7f);
    FloatVector c8 = v.add(8f);
    FloatVector c9 = v.add(9f);
    FloatVector c10 = v.add(10f);
    FloatVector c11 = v.add(11f);
    for (int k = 0; k < ITERATIONS; k++) {
      c0 = c0.fma(u, v);
      c1 = c1.fma(u, v);
      c2 = c2.fma(u, v);
      c3 = c3.fma(u, v);
      c4 = c4.fma(u, v);
      c5 = c5.fma(u, v);
      c6 = c6.fma(u, v);
      c7 = c7.fma(u, v);
      c8 = c8.fma(u, v);
      c9 = c9.fma(u, v);
      c10 = c10.fma(u, v);
      c11 = c11.fma(u, v);
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9)
        .add(c10).add(c11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }

  @Benchmark
  public float fma12x16() {
    FloatVector u = FloatVector.fromArray(S512, a16, 0);
    FloatVector v = FloatVector.fromArray(S512, b16, 0);
    FloatVector c0 = v;
    FloatVector c1 = v.add(1f);
    FloatVector c2 = v.add(2f);
    FloatVector c3 = v.add(3f);
    FloatVector c4 = v.add(4f);
    FloatVector c5 = v.add(5f);
    FloatVector c6 = v.add(6f);
    FloatVector c7 = v.add(7f);
    FloatVector c8 = v.add(8f);
    FloatVector c9 = v.add(9f);
    FloatVector c10 = v.add(10f);
    FloatVector c11 = v.add(11f);
    for (int k = 0; k < ITERATIONS; k++) {
      c0 = c0.fma(u, v);
      c1 = c1.fma(u, v);
      c2 = c2.fma(u, v);
      c3 = c3.fma(u, v);
      c4 = c4.fma(u, v);
      c5 = c5.fma(u, v);
      c6 = c6.fma(u, v);
      c7 = c7.fma(u, v);
      c8 = c8.fma(u, v);
      c9 = c9.fma(u, v);
      c10 = c10.fma(u, v);
      c11 = c11.fma(u, v);
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9)
        .add(c10).add(c11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
}
