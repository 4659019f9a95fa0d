package dev.ferry.node.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's 1, 5 and 15 minute load averages (Linux), recorded with each result: the machine is shared. */
final class LoadAverage {

    private LoadAverage() {}

    static double[] now() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {
                Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])
            };
        } catch (IOException | RuntimeException e) {
            return new double[0]; // not Linux: the JSON then says nothing about load
        }
    }
}
