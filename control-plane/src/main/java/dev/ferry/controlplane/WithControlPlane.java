package dev.ferry.controlplane;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test class against the shared real control plane ({@link ControlPlane}) in a
 * namespace of its own. Test methods (and constructors, lifecycle methods) may declare
 * parameters of type {@link TestNamespace}, {@link io.fabric8.kubernetes.client.KubernetesClient}
 * (admin, defaulting to the class's namespace) and {@link ControlPlane}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ControlPlaneExtension.class)
public @interface WithControlPlane {

    /**
     * Also run kube-controller-manager (garbage collector, namespace and service-account
     * controllers). It is started once and then kept for the rest of the run.
     */
    boolean controllerManager() default false;

    /**
     * Also run the real kube-scheduler, which binds pods to nodes (this harness registers none, so
     * pods stay Pending). Started once, then kept.
     */
    boolean scheduler() default false;
}
