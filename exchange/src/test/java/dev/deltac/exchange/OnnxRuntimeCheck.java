package dev.deltac.exchange;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/** Runs an exported model in ONNX Runtime and compares it with {@code predict}. */
final class OnnxRuntimeCheck {
  private OnnxRuntimeCheck() {}

  /** Random inputs for a batch: floats in [-1, 1], integers in [0, bound). */
  static float[] inputs(ModelInfo info, int batch, long seed) {
    Random r = new Random(seed);
    float[] xs = new float[batch * info.inputSize()];
    for (int s = 0; s < batch; s++) {
      for (TensorInfo t : info.inputs()) {
        for (int j = 0; j < t.size(); j++) {
          xs[s * info.inputSize() + t.offset() + j] = t.integer()
              ? r.nextInt(Math.max(1, t.indexBound() == 0 ? 4 : t.indexBound()))
              : (float) (2 * r.nextDouble() - 1);
        }
      }
    }
    return xs;
  }

  /** predict, one sample at a time. */
  static float[] predict(FloatModel model, float[] xs, int batch) {
    ModelInfo info = model.info();
    float[] outs = new float[batch * info.outputSize()];
    for (int s = 0; s < batch; s++) model.predict(xs, s * info.inputSize(), outs, s * info.outputSize());
    return outs;
  }

  /** ONNX Runtime on the same batch, outputs packed like predict's. */
  static float[] run(byte[] onnx, ModelInfo info, float[] xs, int batch) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(onnx, o)) {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
          for (TensorInfo t : info.inputs()) {
            long[] shape = new long[t.rank() + 1];
            shape[0] = batch;
            for (int d = 0; d < t.rank(); d++) shape[d + 1] = t.shape()[d];
            if (t.integer()) {
              long[] v = new long[batch * t.size()];
              for (int s = 0; s < batch; s++) {
                for (int j = 0; j < t.size(); j++) v[s * t.size() + j] = (long) xs[s * info.inputSize() + t.offset() + j];
              }
              feeds.put(t.name(), OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape));
            } else {
              float[] v = new float[batch * t.size()];
              for (int s = 0; s < batch; s++) {
                System.arraycopy(xs, s * info.inputSize() + t.offset(), v, s * t.size(), t.size());
              }
              feeds.put(t.name(), OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape));
            }
          }
          float[] outs = new float[batch * info.outputSize()];
          try (OrtSession.Result r = session.run(feeds)) {
            for (TensorInfo t : info.outputs()) {
              OnnxTensor ot = (OnnxTensor) r.get(t.name()).orElseThrow();
              long[] shape = ot.getInfo().getShape();
              if (shape[0] != batch) throw new AssertionError(t.name() + ": batch axis " + shape[0]);
              if (ot.getInfo().type == ai.onnxruntime.OnnxJavaType.INT64) {
                // integer outputs are int64 in ONNX, exact floats in predict's packed array
                LongBuffer lb = ot.getLongBuffer();
                if (lb.remaining() != batch * t.size()) throw new AssertionError(t.name() + ": " + lb.remaining() + " values");
                for (int s = 0; s < batch; s++) {
                  for (int j = 0; j < t.size(); j++) outs[s * info.outputSize() + t.offset() + j] = lb.get();
                }
                continue;
              }
              FloatBuffer fb = ot.getFloatBuffer();
              if (fb.remaining() != batch * t.size()) throw new AssertionError(t.name() + ": " + fb.remaining() + " values");
              for (int s = 0; s < batch; s++) fb.get(outs, s * info.outputSize() + t.offset(), t.size());
            }
          }
          return outs;
        } finally {
          for (OnnxTensor t : feeds.values()) t.close();
        }
      }
    }
  }

  /** The largest |predict - ORT| over a random batch; the model's params as initialized. */
  static double maxDifference(CompiledModel compiled, FloatModel model, int batch, long seed) throws Exception {
    float[] xs = inputs(model.info(), batch, seed);
    float[] expected = predict(model, xs, batch);
    float[] actual = run(OnnxExport.toBytes(compiled, model), model.info(), xs, batch);
    // not a vacuous comparison: the outputs vary from sample to sample
    int o = model.info().outputSize();
    boolean varies = false;
    for (int i = o; i < expected.length; i++) varies |= expected[i] != expected[i % o];
    if (!varies) throw new AssertionError(compiled.name() + ": predict gives the same outputs for every sample");
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      double d = Math.abs(expected[i] - actual[i]);
      if (!(d <= max)) max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
    }
    return max;
  }
}
