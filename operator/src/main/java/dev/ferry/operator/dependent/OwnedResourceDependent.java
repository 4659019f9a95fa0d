package dev.ferry.operator.dependent;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * An object the fleet owns, kept as its pure {@code desired(fleet)} builder says by server-side
 * apply (matched on the fields this operator manages) and garbage-collected with the fleet. Every
 * write is told in an Event ({@code <Kind>Created}, {@code <Kind>Updated}, {@code <Kind>Deleted}).
 */
public class OwnedResourceDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, ServerFleet> {

    private static final Logger log = Logger.getLogger(OwnedResourceDependent.class);

    private final Function<ServerFleet, R> builder;
    private final String eventKind;
    private final String instance;

    /**
     * @param eventKind the kind as Events name it (the reasons are this with Created, Updated, Deleted)
     * @param instance names this operator replica in the Events it writes
     */
    public OwnedResourceDependent(
            Class<R> type, String name, Function<ServerFleet, R> builder, String eventKind, String instance) {
        super(type, name);
        this.builder = builder;
        this.eventKind = eventKind;
        this.instance = instance;
    }

    @Override
    protected R desired(ServerFleet fleet, Context<ServerFleet> context) {
        return builder.apply(fleet);
    }

    @Override
    public R create(R desired, ServerFleet fleet, Context<ServerFleet> context) {
        R created = super.create(desired, fleet, context);
        told(fleet, context, created, "Created", "Create", describe(created));
        return created;
    }

    @Override
    public R update(R actual, R desired, ServerFleet fleet, Context<ServerFleet> context) {
        R updated = super.update(actual, desired, fleet, context);
        told(fleet, context, updated, "Updated", "Update", describe(updated));
        return updated;
    }

    @Override
    protected void handleDelete(ServerFleet fleet, R secondary, Context<ServerFleet> context) {
        super.handleDelete(fleet, secondary, context);
        if (secondary != null) {
            told(fleet, context, secondary, "Deleted", "Delete", whyDeleted(fleet));
        }
    }

    /** What the Event adds after the object's name, such as its settings. */
    protected String describe(R object) {
        return "";
    }

    /** Why the object goes while its fleet stays. */
    protected String whyDeleted(ServerFleet fleet) {
        return "";
    }

    private void told(
            ServerFleet fleet, Context<ServerFleet> context, R object, String verb, String action, String more) {
        String kind = object.getKind();
        String name = object.getMetadata().getName();
        log.infof("%s %s %s/%s", verb, kind, object.getMetadata().getNamespace(), name);
        new FleetEvents(context.getClient(), instance)
                .normal(fleet, eventKind + verb, action, object, verb + " " + kind + " " + name + more + ".");
    }
}
