package dev.ferry.controlplane;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.platform.commons.support.AnnotationSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension behind {@link WithControlPlane}.
 *
 * <ul>
 *   <li>starts the JVM-wide {@link ControlPlane} on first use and stops it when the test run
 *       ends (root store), or at JVM exit;
 *   <li>starts kube-controller-manager and kube-scheduler if the class asks for them;
 *   <li>creates a {@link TestNamespace} before a top-level test class and deletes it after
 *       ({@code @Nested} classes share their enclosing class's namespace);
 *   <li>resolves {@link TestNamespace}, {@link KubernetesClient} and {@link ControlPlane}
 *       parameters;
 *   <li>when a test fails, saves the API server's log since the test started, the controller
 *       manager's log and the namespace's events under {@code target/control-plane-logs/}.
 * </ul>
 */
public class ControlPlaneExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver, TestWatcher {

    private static final Logger log = LoggerFactory.getLogger(ControlPlaneExtension.class);
    private static final ExtensionContext.Namespace STORE =
            ExtensionContext.Namespace.create(ControlPlaneExtension.class);
    private static final String CONTROL_PLANE = "control-plane";
    private static final String TEST_NAMESPACE = "test-namespace";
    private static final String LOG_MARKS = "log-marks";

    /** Closes the shared control plane when the root context (the whole test run) is closed. */
    private record RunScope(ControlPlane controlPlane) implements AutoCloseable {
        @Override
        public void close() {
            controlPlane.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        ControlPlane cp = controlPlane(context);
        Optional<WithControlPlane> annotation =
                AnnotationSupport.findAnnotation(context.getRequiredTestClass(), WithControlPlane.class);
        if (annotation.map(WithControlPlane::controllerManager).orElse(false)) {
            cp.controllerManager();
        }
        if (annotation.map(WithControlPlane::scheduler).orElse(false)) {
            cp.scheduler();
        }
        if (context.getStore(STORE).get(TEST_NAMESPACE, TestNamespace.class) == null) {
            TestNamespace ns =
                    new TestNamespace(cp, context.getRequiredTestClass().getSimpleName());
            context.getStore(STORE).put(TEST_NAMESPACE, ns);
            log.info("{} runs in namespace {}", context.getRequiredTestClass().getName(), ns.name());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Only the context that created the namespace removes it (not a @Nested class inside it).
        Object own = context.getStore(STORE).remove(TEST_NAMESPACE);
        if (own instanceof TestNamespace ns) {
            ns.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ControlPlane cp = controlPlane(context);
        ControllerManager kcm = cp.runningControllerManager();
        KubeScheduler ks = cp.runningScheduler();
        context.getStore(STORE)
                .put(
                        LOG_MARKS,
                        new FailureReport.LogMarks(
                                LogFiles.size(cp.apiServerLog()),
                                kcm == null ? 0 : LogFiles.size(kcm.logFile()),
                                ks == null ? 0 : LogFiles.size(ks.logFile())));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        try {
            Optional<TestNamespace> ns =
                    Optional.ofNullable(context.getStore(STORE).get(TEST_NAMESPACE, TestNamespace.class));
            FailureReport.LogMarks marks = context.getStore(STORE).get(LOG_MARKS, FailureReport.LogMarks.class);
            if (!ControlPlane.isRunning()) {
                return;
            }
            FailureReport.write(ControlPlane.get(), ns.orElse(null), context, cause, marks);
        } catch (RuntimeException e) {
            log.warn("Cannot save control plane logs for {}", context.getDisplayName(), e);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestNamespace.class || type == KubernetesClient.class || type == ControlPlane.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == ControlPlane.class) {
            return controlPlane(context);
        }
        TestNamespace ns = context.getStore(STORE).get(TEST_NAMESPACE, TestNamespace.class);
        if (ns == null) {
            throw new ParameterResolutionException("No test namespace yet: " + type.getSimpleName()
                    + " parameters are available once the class is set up");
        }
        return type == TestNamespace.class ? ns : ns.client();
    }

    private static ControlPlane controlPlane(ExtensionContext context) {
        return context.getRoot()
                .getStore(STORE)
                .getOrComputeIfAbsent(CONTROL_PLANE, k -> new RunScope(ControlPlane.get()), RunScope.class)
                .controlPlane();
    }
}
