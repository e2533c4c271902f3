package dev.deltac.exchange;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.runtime.FloatModel;
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
    switch (format) {
      case SAFETENSORS -> SafeTensors.write(out, ModelTensors.of(model), metadata(model));
      case ONNX -> OnnxExport.write(out, compiled, model);
      default -> throw new IllegalStateException(format.name());
    }
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
