package dev.deltac.cli.train;

import dev.deltac.runtime.train.GradientEngine;
import java.util.ServiceLoader;

/**
 * Where {@code deltac train --master URL} runs its steps: the {@code deltac-spark} module provides
 * one (found with {@link ServiceLoader}, so the command line needs no Spark on its classpath
 * unless {@code --master} is given).
 */
public interface ClusterBackend {
  /**
   * Connects to {@code master} for training {@code modelName} of {@code source}; throws an
   * {@link IllegalArgumentException} with a clear message when the master does not answer in
   * time.
   */
  Session connect(String master, String fileName, String source, String modelName);

  /** A connection to a cluster, closed when training ends. */
  interface Session extends AutoCloseable {
    /** The engine to train with. */
    GradientEngine.Factory engine();

    /** One line for the summary: master, tasks per step, how steps run, step times. */
    String describe();

    @Override
    void close();
  }

  /** The backend on the classpath, or an error saying how to get one. */
  static ClusterBackend load() {
    return ServiceLoader.load(ClusterBackend.class).findFirst().orElseThrow(() ->
        new IllegalArgumentException("--master needs the deltac-spark module (spark/) and Spark"
            + " on the classpath: build it with ./mvnw -pl spark -am package; the deltac launcher"
            + " then adds both when --master is given"));
  }
}
