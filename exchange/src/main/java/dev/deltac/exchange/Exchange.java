package dev.deltac.exchange;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Standardization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The exchange formats from Java: what {@code deltac export} and {@code deltac train --init} do.
 *
 * <pre>{@code
 * CompiledModel compiled = Deltac.compile(Path.of("mlp.nn")).model();
 * FloatModel model = compiled.newModel(64);
 * Checkpoint.load(Path.of("runs/Mlp/Mlp.ckpt"), model);
 * Exchange.export(compiled, model, Path.of("mlp.safetensors"));   // every tensor by .nn name
 * Exchange.export(compiled, model, Path.of("mlp.onnx"));          // the inference graph
 * Exchange.load(Path.of("torch.safetensors"), model, Renames.of(List.of("0.weight=h.W")));
 * }</pre>
 */
public final class Exchange {
  private Exchange() {}

  /** The formats {@link #export} writes. */
  public enum Format {
    SAFETENSORS("safetensors"), ONNX("onnx");

    private final String extension;

    Format(String extension) {
      this.extension = extension;
    }

    /** {@code safetensors} or {@code onnx}. */
    public String extension() {
      return extension;
    }

    /** By name ({@code safetensors}, {@code onnx}; any case). */
    public static Format named(String name) throws ExchangeException {
      for (Format f : values()) {
        if (f.extension.equalsIgnoreCase(name)) return f;
      }
      throw new ExchangeException("unknown format '" + name + "': safetensors or onnx");
    }

    /** By the file's extension ({@code .safetensors}, {@code .onnx}). */
    public static Format ofFile(Path file) throws ExchangeException {
      String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
      for (Format f : values()) {
        if (n.endsWith("." + f.extension)) return f;
      }
      throw new ExchangeException(file + ": the format follows the extension, .safetensors or .onnx"
          + " (or give it with --format)");
    }
  }

  /** Writes {@code model} in the format of {@code out}'s extension. */
  public static void export(CompiledModel compiled, FloatModel model, Path out) throws IOException {
    export(compiled, model, out, Format.ofFile(out));
  }

  /** Writes {@code model} to {@code out} in {@code format}; files are written atomically. */
  public static void export(CompiledModel compiled, FloatModel model, Path out, Format format) throws IOException {
    export(compiled, model, null, out, format);
  }

  /**
   * Like {@link #export(CompiledModel, FloatModel, Path, Format)} for a model trained on
   * standardized inputs ({@code deltac train --standardize}; null: none). The ONNX graph then
   * standardizes its float inputs first, as {@code predict} does; a safetensors file holds
   * tensors only, so it carries the statistics in its metadata ({@code standardization.mean} and
   * {@code standardization.scale}, comma-separated, one per packed input position).
   */
  public static void export(CompiledModel compiled, FloatModel model, Standardization standardization,
      Path out, Format format) throws IOException {
    switch (format) {
      case SAFETENSORS -> {
        Map<String, String> meta = metadata(model);
        if (standardization != null) {
          meta.put(Standardization.MEAN, join(standardization.mean()));
          meta.put(Standardization.SCALE, join(standardization.scale()));
        }
        SafeTensors.write(out, ModelTensors.of(model), meta);
      }
      case ONNX -> OnnxExport.write(out, compiled, model, standardization);
      default -> throw new IllegalStateException(format.name());
    }
  }

  private static String join(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) sb.append(i > 0 ? "," : "").append(v[i]);
    return sb.toString();
  }

  /** The metadata written in a safetensors header: PyTorch's {@code format} and the model's name. */
  static Map<String, String> metadata(FloatModel model) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("format", "pt");
    m.put("deltac.model", model.info().name());
    return m;
  }

  /**
   * Sets {@code model}'s tensors from a safetensors file, its names mapped by {@code renames};
   * a missing, extra or misshapen tensor fails with one message that lists them all, and the
   * model is then left unchanged.
   */
  public static void load(Path safetensors, FloatModel model, Renames renames) throws IOException {
    List<NamedTensor> tensors = SafeTensors.read(safetensors).tensors();
    ModelTensors.load(model, tensors, renames, safetensors.toString());
  }
}
