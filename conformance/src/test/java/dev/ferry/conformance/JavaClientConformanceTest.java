package dev.ferry.conformance;

import dev.ferry.conformance.driver.JavaDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every scenario with the Java client's driver ({@link JavaDriver}, started from this module's class path). */
class JavaClientConformanceTest {
    @TestFactory
    Stream<DynamicTest> scenarios() {
        List<String> command = new ArrayList<>(JavaCommand.java());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JavaDriver.class.getName()));
        return ConformanceRun.tests("java", log -> DriverProcess.start(command, log));
    }
}
