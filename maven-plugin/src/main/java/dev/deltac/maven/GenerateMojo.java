package dev.deltac.maven;

import dev.deltac.compiler.generate.GenerateRequest;
import dev.deltac.compiler.generate.GenerateResult;
import dev.deltac.compiler.generate.GenerateResult.FileResult;
import dev.deltac.compiler.generate.GenerateResult.MethodSize;
import dev.deltac.compiler.generate.GenerateResult.Status;
import dev.deltac.compiler.generate.SourceGenerator;
import dev.deltac.compiler.load.MethodSizes;
import dev.deltac.runtime.Precision;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Generates Java classes from the {@code .nn} files of {@code src/main/deltac} into
 * {@code target/generated-sources/deltac}, adds that folder as a compile source root, skips
 * files that are up to date, and fails the build with every {@code FILE:LINE:COL} diagnostic of
 * a bad file, or when a generated method is over the JIT's huge-method limit. The generated
 * classes need only {@code deltac-runtime}.
 *
 * <p>A thin shell: it resolves the parameters, builds a {@link GenerateRequest} and hands it to
 * {@link SourceGenerator}, which the {@code deltac compile} command uses too.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class GenerateMojo extends AbstractMojo {
  /** The folder of the {@code .nn} files; their package is their folder under it. */
  @Parameter(property = "deltac.sourceDirectory", defaultValue = "${project.basedir}/src/main/deltac",
      required = true)
  private File sourceDirectory;

  /** Where the generated {@code .java} files go; added as a compile source root. */
  @Parameter(property = "deltac.outputDirectory",
      defaultValue = "${project.build.directory}/generated-sources/deltac", required = true)
  private File outputDirectory;

  /**
   * The package of every generated class. Default: each file's folder under
   * {@code sourceDirectory} ({@code com/acme/xor.nn} → {@code com.acme}).
   */
  @Parameter(property = "deltac.packageName")
  private String packageName;

  /**
   * {@code float32} (class {@code Xor}), {@code float64} (class {@code Xor64}), or both:
   * {@code float32,float64}.
   */
  @Parameter(property = "deltac.precisions", defaultValue = "float32")
  private String precisions;

  /** Ant-style patterns, relative to {@code sourceDirectory}. Default: {@code **}{@code /*.nn}. */
  @Parameter
  private Set<String> includes;

  /** Ant-style patterns of files to leave out. */
  @Parameter
  private Set<String> excludes;

  /**
   * The build gate: the largest allowed bytecode size of a generated method. HotSpot never
   * JIT-compiles a method above 8000 bytes; 0 turns the gate off.
   */
  @Parameter(property = "deltac.maxMethodBytes", defaultValue = "8000")
  private int maxMethodBytes;

  /** Skips generation (and adds no source root). */
  @Parameter(property = "deltac.skip", defaultValue = "false")
  private boolean skip;

  /** Where the up-to-date state is kept: one file per execution, {@code EXECUTION-ID.state}. */
  @Parameter(defaultValue = "${project.build.directory}/deltac-maven-plugin", readonly = true,
      required = true)
  private File stateDirectory;

  @Parameter(defaultValue = "${mojoExecution}", readonly = true, required = true)
  private MojoExecution mojoExecution;

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  private MavenProject project;

  @Override
  public void execute() throws MojoExecutionException, MojoFailureException {
    Log log = getLog();
    if (skip) {
      log.info("deltac: skipped");
      return;
    }
    GenerateRequest request = request();
    if (request.files().isEmpty()) {
      log.info("deltac: no .nn files in " + sourceDirectory);
    }
    GenerateResult result;
    try {
      result = SourceGenerator.generate(request);
    } catch (IOException | RuntimeException e) {
      throw new MojoExecutionException("deltac: " + e.getMessage(), e);
    }
    project.addCompileSourceRoot(outputDirectory.getAbsolutePath());
    report(result, log);
    if (!result.isOk()) {
      int invalid = result.count(Status.INVALID);
      int large = result.count(Status.TOO_LARGE);
      throw new MojoFailureException("deltac: " + (invalid > 0 ? invalid + " .nn file(s) with errors"
          : "") + (invalid > 0 && large > 0 ? ", " : "") + (large > 0 ? large
          + " file(s) with a generated method over " + maxMethodBytes + " bytecode bytes" : "")
          + "; see the errors above");
    }
  }

  private GenerateRequest request() throws MojoFailureException {
    Set<Precision> parsed;
    try {
      parsed = GenerateRequest.parsePrecisions(precisions);
    } catch (IllegalArgumentException e) {
      throw new MojoFailureException("deltac: <precisions>: " + e.getMessage());
    }
    Path root = sourceDirectory.toPath();
    List<Path> files;
    try {
      files = new SourceScanner(includes == null || includes.isEmpty() ? Set.of("**/*.nn") : includes,
          excludes == null ? Set.of() : excludes).scan(root);
    } catch (IOException e) {
      throw new MojoFailureException("deltac: cannot list " + root + ": " + e.getMessage(), e);
    }
    try {
      return new GenerateRequest(root, files, outputDirectory.toPath(), packageName, parsed,
          stateDirectory.toPath().resolve(mojoExecution.getExecutionId() + ".state"),
          maxMethodBytes);
    } catch (IllegalArgumentException e) {
      throw new MojoFailureException("deltac: " + e.getMessage());
    }
  }

  private void report(GenerateResult result, Log log) {
    for (FileResult f : result.files()) {
      switch (f.status()) {
        case GENERATED -> {
          f.warnings().forEach(log::warn);
          log.info("deltac: generated " + f.outputs().size() + " class(es) from " + f.source()
              + f.largest().map(m -> "; largest method " + m).orElse(""));
          if (log.isDebugEnabled()) {
            for (MethodSize m : f.methods()) {
              log.debug("deltac:   " + m.className() + "." + m.method() + m.descriptor() + ": "
                  + m.bytes() + " bytecode bytes");
            }
          }
        }
        case UP_TO_DATE -> log.debug("deltac: up to date: " + f.source());
        case INVALID, TOO_LARGE -> f.errors().forEach(log::error);
      }
    }
    for (Path p : result.deleted()) log.info("deltac: deleted stale " + p);
    int generated = result.count(Status.GENERATED);
    int upToDate = result.count(Status.UP_TO_DATE);
    String largest = result.largest().map(m -> "; largest method " + m + " of "
        + (maxMethodBytes > 0 ? maxMethodBytes : MethodSizes.HUGE_METHOD_LIMIT) + " allowed")
        .orElse("");
    log.info("deltac: " + generated + " file(s) generated, " + upToDate + " up to date" + largest);
  }
}
