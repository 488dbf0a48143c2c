package dev.kvlab.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Chart building blocks on XChart: line charts (one series per name, x ascending) and bar charts, written as PNG
 * (BitmapEncoder) and SVG (VectorGraphicsEncoder, via VectorGraphics2D) side by side. Every chart has a title, axis
 * titles with units and a legend; sizes are fixed so files stay small and comparable.
 */
public final class ChartFiles {
    static final int WIDTH = 820;
    static final int HEIGHT = 500;

    private ChartFiles() {
    }

    /** A series: x and y values of equal length. */
    public record Series(double[] x, double[] y) {
    }

    public static XYChart line(String title, String xTitle, String yTitle, Map<String, Series> series) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setMarkerSize(7);
        boolean many = series.size() > 5;   // a horizontal legend of many series runs off the chart: stack it beside
        c.getStyler().setLegendPosition(many ? Styler.LegendPosition.OutsideE : Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(many ? Styler.LegendLayout.Vertical : Styler.LegendLayout.Horizontal);
        series.forEach((name, s) -> {
            XYSeries xs = c.addSeries(name, s.x(), s.y());
            xs.setLineStyle(new BasicStroke(2.2f));
            if (s.x().length > 40) {
                xs.setMarker(SeriesMarkers.NONE);   // dense series: the line alone reads better
            }
        });
        return c;
    }

    public static CategoryChart bars(String title, String xTitle, String yTitle, List<String> categories,
                                     Map<String, List<Double>> series) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        c.getStyler().setLabelsPosition(0.95);
        c.getStyler().setOverlapped(false);
        c.getStyler().setLegendVisible(series.size() > 1);   // one series: the title and axis say it all
        c.getStyler().setDecimalPattern("#,##0.#");
        series.forEach((name, ys) -> c.addSeries(name, categories, ys));
        return c;
    }

    private static void style(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(225, 225, 225));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendBorderColor(new Color(200, 200, 200));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setSeriesColors(PALETTE);
        s.setDecimalPattern("#,##0.##");
    }

    /** Colour-blind-safe (Okabe-Ito) series colours. */
    private static final Color[] PALETTE = {new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115),
        new Color(204, 121, 167), new Color(230, 159, 0), new Color(86, 180, 233), new Color(0, 0, 0),
        new Color(240, 228, 66), new Color(120, 120, 120), new Color(153, 0, 0), new Color(102, 51, 153),
        new Color(128, 96, 0)};

    /**
     * Cuts coordinates to one decimal (0.1 px, invisible at any zoom a reader uses): XChart draws text as glyph outlines, so the SVG is
     * mostly path numbers, and this halves its size.
     */
    static String shorten(String svg) {
        return DECIMALS.matcher(svg).replaceAll("$1");
    }

    private static final java.util.regex.Pattern DECIMALS = java.util.regex.Pattern.compile("(\\d\\.\\d)\\d+");

    /** Writes {@code dir/name.png} and {@code dir/name.svg}; returns the PNG path. */
    public static Path save(Chart<?, ?> chart, Path dir, String name) {
        try {
            Files.createDirectories(dir);
            Path base = dir.resolve(name);
            BitmapEncoder.saveBitmap(chart, base.toString(), BitmapEncoder.BitmapFormat.PNG);
            VectorGraphicsEncoder.saveVectorGraphic(chart, base.toString(),
                    VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            Path svg = dir.resolve(name + ".svg");
            Files.writeString(svg, shorten(Files.readString(svg)));
            return dir.resolve(name + ".png");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + name + " under " + dir, e);
        }
    }
}
