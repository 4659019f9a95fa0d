package dev.ferry.bench;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "The local data-plane demo.")
final class DataPlaneDemo implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
