package dev.deltac.cli;

import dev.deltac.cli.train.ClusterBackend;
import dev.deltac.cli.train.DataSource;
import dev.deltac.cli.train.TrainingRun;
import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.exchange.Exchange;
import dev.deltac.exchange.Renames;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deltac train MODEL.nn}: compile the model in memory, train it on its data with the
 * defaults of its {@code train} block (flags override them), and write a checkpoint, a
 * loss-curve PNG and a summary.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compile a model, train it, and write a checkpoint, a loss-curve PNG and a summary.",
        "Defaults come from the model's train block; flags override them."})
public final class TrainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.nn", description = "the model file")
  Path file;

  @Option(names = "--model", paramLabel = "NAME", description = "which model, when the file has several")
  String name;

  @Option(names = "--data", paramLabel = "PATH",
      description = "a CSV file, a folder with train.csv (and test.csv, held out), or a folder of MNIST-style IDX files (default: MODEL.csv beside the model)")
  Path data;

  @Option(names = "--val-split", paramLabel = "F",
      description = "fraction held out for validation when the data has no held-out set"
          + " (default: 0.1 from 100 samples on, else 0)")
  Double valSplit;

  @Option(names = "--epochs", paramLabel = "N", description = "epochs (default: train block, else 10)")
  Integer epochs;

  @Option(names = "--batch", paramLabel = "N", description = "minibatch size (default: train block, else 32)")
  Integer batch;

  @Option(names = "--optimizer", paramLabel = "NAME", description = "sgd, adam or adamw (default: train block, else adam)")
  String optimizer;

  @Option(names = "--lr", paramLabel = "RATE", description = "learning rate (default: train block, else 0.001)")
  Double lr;

  @Option(names = "--seed", paramLabel = "S", description = "seed of initialization and shuffling (default: train block, else 0)")
  Long seed;

  @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: the machine's cores)")
  Integer threads;

  @Option(names = "--clip-norm", paramLabel = "X", description = "clip the gradient to this global norm")
  Double clipNorm;

  @Option(names = "--clip-value", paramLabel = "X", description = "clip each gradient element to [-X, X]")
  Double clipValue;

  @Option(names = "--patience", paramLabel = "N",
      description = "stop early after N epochs without improvement of the validation loss")
  Integer patience;

  @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "output folder (default: runs/MODEL)")
  Path out;

  @Option(names = "--checkpoint-every", paramLabel = "N",
      description = "also write the checkpoint every N optimizer steps (default: at the end of every epoch only)")
  Integer checkpointEvery;

  @Option(names = "--resume",
      description = "continue the run whose checkpoint is in the output folder, with the same settings")
  boolean resume;

  @Option(names = "--standardize",
      description = "standardize every float input value with the mean and standard deviation of"
          + " the training split; saved in the checkpoint, which predict then applies")
  boolean standardize;

  @Option(names = "--augment", paramLabel = "LIST",
      description = "randomly augment every training image: flip (left-right, probability 1/2),"
          + " shift=N (up to N pixels along each axis, zero fill), image=CxHxW (default: the"
          + " input's shape, or a square); e.g. --augment flip,shift=2. Seeded by --seed")
  String augment;

  @Option(names = "--master", paramLabel = "URL",
      description = "train on Apache Spark: local[N] or spark://HOST:PORT (needs the deltac-spark module; docs/SPARK.md)")
  String master;

  @Option(names = "--no-progress", description = "no progress bar")
  boolean noProgress;

  @Option(names = "--init", paramLabel = "W.safetensors",
      description = "start from these tensors instead of the initializers (every param under its .nn name and shape)")
  Path init;

  @Option(names = "--rename", paramLabel = "FROM=TO",
      description = "with --init: read the file's tensor FROM as the model's TO (e.g. 0.weight=h.W); repeatable")
  List<String> renames = new ArrayList<>();

  @Option(names = "--rename-file", paramLabel = "FILE",
      description = "with --init: FROM=TO pairs, one per line (# comments)")
  Path renameFile;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Compilation c = Compiling.compile(file, err);
    if (c == null) return 1;
    try {
      CompiledModel m = c.model(name);
      TrainingRun.Settings s = TrainingRun.Settings.of(m.trainingDefaults())
          .override(epochs, batch, optimizer, lr, seed, threads, clipNorm, clipValue, patience, valSplit);
      Path dataPath = data != null ? data : DataSource.defaultFor(file);
      Path outDir = out != null ? out : Path.of("runs", m.name());
      if (checkpointEvery != null && checkpointEvery <= 0) {
        throw new IllegalArgumentException("--checkpoint-every must be positive, got " + checkpointEvery);
      }
      TrainingRun run = new TrainingRun(m, s, dataPath, outDir, !noProgress,
          checkpointEvery == null ? 0 : checkpointEvery, resume, standardize).augment(augment);
      if (init != null && resume) {
        throw new IllegalArgumentException("--init starts a run from a file, --resume continues one: give one of them");
      }
      if (init != null) {
        Renames r = Renames.of(renames, renameFile);
        run.initializeFrom(init, model -> Exchange.load(init, model, r));
      } else if (!renames.isEmpty() || renameFile != null) {
        throw new IllegalArgumentException("--rename and --rename-file need --init");
      }
      if (master == null) return run.execute(stdout, err);
      ClusterBackend backend = ClusterBackend.load();
      try (ClusterBackend.Session cluster = backend.connect(master,
          Path.of(m.file()).getFileName().toString(),
          java.nio.file.Files.readString(Path.of(m.file())), m.name())) {
        return run.cluster(cluster).execute(stdout, err);
      }
    } catch (CompileException e) {
      err.println("deltac train: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("deltac train: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("deltac train: " + e.getMessage());
      return 1;
    }
  }
}
