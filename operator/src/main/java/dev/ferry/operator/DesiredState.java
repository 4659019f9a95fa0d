package dev.ferry.operator;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether an object already has every field of its desired state: then a server-side apply would
 * change nothing, and the operator skips the request. Fields the API server added (defaults,
 * clusterIP) or other managers set are ignored.
 */
final class DesiredState {

  private DesiredState() {}

  static boolean isSatisfiedBy(HasMetadata desired, HasMetadata actual) {
    if (actual == null) {
      return false;
    }
    JsonNode d = Serialization.jsonMapper().valueToTree(desired);
    JsonNode a = Serialization.jsonMapper().valueToTree(actual);
    return contains(a.path("spec"), d.path("spec"))
        && contains(a.path("metadata").path("labels"), d.path("metadata").path("labels"))
        && contains(a.path("metadata").path("ownerReferences"), d.path("metadata").path("ownerReferences"));
  }

  /** {@code actual} has every field of {@code desired} with the same value; arrays match element by element. */
  static boolean contains(JsonNode actual, JsonNode desired) {
    if (desired.isMissingNode() || desired.isNull()) {
      return true;
    }
    if (desired.isObject()) {
      if (!actual.isObject()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = desired.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!contains(actual.path(field.getKey()), field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (desired.isArray()) {
      if (!actual.isArray() || actual.size() != desired.size()) {
        return false;
      }
      for (int i = 0; i < desired.size(); i++) {
        if (!contains(actual.get(i), desired.get(i))) {
          return false;
        }
      }
      return true;
    }
    return desired.equals(actual) || (desired.isValueNode() && desired.asText().equals(actual.asText()) && !actual.isContainerNode() && !actual.isMissingNode());
  }
}
