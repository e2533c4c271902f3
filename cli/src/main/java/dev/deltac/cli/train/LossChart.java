package dev.deltac.cli.train;

import dev.deltac.runtime.train.EpochMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The loss-curve picture of a training run, drawn with XChart: training and validation loss per
 * epoch, and the accuracies on a second axis when the targets are classes.
 */
final class LossChart {
  private LossChart() {}

  static void write(String title, List<EpochMetrics> history, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int n = history.size();
    double[] epochs = new double[n];
    double[] train = new double[n];
    double[] val = new double[n];
    double[] trainAcc = new double[n];
    double[] valAcc = new double[n];
    for (int i = 0; i < n; i++) {
      EpochMetrics m = history.get(i);
      epochs[i] = m.epoch();
      train[i] = m.trainLoss();
      val[i] = m.validationLoss();
      trainAcc[i] = m.trainAccuracy();
      valAcc[i] = m.validationAccuracy();
    }
    XYChart chart = new XYChartBuilder().width(900).height(540).title(title)
        .xAxisTitle("epoch").yAxisTitle("loss").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    chart.getStyler().setMarkerSize(n > 60 ? 0 : 4);
    chart.getStyler().setXAxisDecimalPattern("#");
    chart.getStyler().setXAxisTickMarkSpacingHint(90);
    add(chart, "train loss", epochs, train, 0);
    boolean hasVal = n > 0 && !Double.isNaN(val[0]);
    if (hasVal) add(chart, "validation loss", epochs, val, 0);
    if (n > 0 && !Double.isNaN(trainAcc[0])) {
      add(chart, "train accuracy", epochs, trainAcc, 1);
      if (hasVal && !Double.isNaN(valAcc[0])) add(chart, "validation accuracy", epochs, valAcc, 1);
      chart.setYAxisGroupTitle(1, "accuracy");
      chart.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void add(XYChart chart, String name, double[] x, double[] y, int axis) {
    XYSeries s = chart.addSeries(name, x, y);
    s.setYAxisGroup(axis);
    s.setMarker(SeriesMarkers.NONE);
  }
}
