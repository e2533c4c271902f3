package dev.deltac.runtime.train;

/**
 * What one epoch achieved. Values that were not measured are NaN: the validation fields without
 * a validation set, accuracies when targets are neither one-hot nor binary (or, for training,
 * unless {@link Trainer.Builder#evaluateTraining(boolean)} asked for it).
 *
 * @param epoch 0-based
 * @param trainLoss mean of the minibatch losses over the epoch, weighted by batch size
 * @param trainAccuracy accuracy on the training set after the epoch, or NaN
 * @param validationLoss mean loss on the validation set after the epoch, or NaN
 * @param validationAccuracy accuracy on the validation set after the epoch, or NaN
 * @param learningRate learning rate of the epoch's last step
 * @param steps optimizer steps so far, all epochs
 * @param seconds wall time of the epoch, evaluation included
 * @param samplesPerSecond training samples per second of the epoch's training part
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy,
    double validationLoss, double validationAccuracy, double learningRate, long steps,
    double seconds, double samplesPerSecond) {

  /** Whether a validation set was evaluated (the validation fields are numbers). */
  public boolean hasValidation() {
    return !Double.isNaN(validationLoss);
  }

  /** The loss early stopping watches: validation loss if there is one, else training loss. */
  public double monitoredLoss() {
    return hasValidation() ? validationLoss : trainLoss;
  }
}
