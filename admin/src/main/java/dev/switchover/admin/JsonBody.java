package dev.switchover.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A request's JSON object, read strictly: one object, no duplicate or unknown fields, each field
 * of the type it must have. Every refusal is a {@link Problem} with status 400 naming the field.
 */
final class JsonBody {
  /** Bodies of the admin API are a few fields; anything larger is refused before it is read. */
  static final int MAX_BYTES = 16 * 1024;

  static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(MAX_BYTES).build())
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final JsonBody EMPTY = new JsonBody(MAPPER.createObjectNode());

  private final ObjectNode node;

  private JsonBody(ObjectNode node) {
    this.node = node;
  }

  static JsonBody empty() {
    return EMPTY;
  }

  /** Parses {@code bytes} as one JSON object. */
  static JsonBody parse(byte[] bytes) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw Problem.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw Problem.badRequest("the body could not be read: " + e.getMessage());
    }
    if (tree == null || tree.isMissingNode()) {
      return EMPTY;
    }
    if (!tree.isObject()) {
      throw Problem.badRequest("the body must be a JSON object, but was " + tree.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    return new JsonBody((ObjectNode) tree);
  }

  /** Refuses any field not in {@code allowed}, naming it and the allowed ones. */
  JsonBody allow(String... allowed) {
    Set<String> known = Set.of(allowed);
    List<String> unknown = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = field.getKey();
      if (!known.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw Problem.badRequest(
          "unknown field" + (unknown.size() > 1 ? "s " : " ") + quoted(unknown) + "; this request takes " + (allowed.length == 0 ? "no fields" : quoted(new TreeSet<>(known))));
    }
    return this;
  }

  boolean has(String field) {
    JsonNode value = node.get(field);
    return value != null && !value.isNull();
  }

  /** A required text field. */
  String text(String field) {
    String value = optionalText(field);
    if (value == null) {
      throw Problem.badRequest("the field \"" + field + "\" is required");
    }
    return value;
  }

  @Nullable String optionalText(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw Problem.badRequest("the field \"" + field + "\" must be a string, but was " + kind(value));
    }
    return value.textValue();
  }

  /** An optional whole number that fits a long. */
  @Nullable Long optionalLong(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw Problem.badRequest("the field \"" + field + "\" must be a whole number, but was " + kind(value));
    }
    return value.longValue();
  }

  long requiredLong(String field) {
    Long value = optionalLong(field);
    if (value == null) {
      throw Problem.badRequest("the field \"" + field + "\" is required");
    }
    return value;
  }

  /** An optional object whose values are all strings, in the order given. */
  @Nullable Map<String, String> optionalTextMap(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw Problem.badRequest("the field \"" + field + "\" must be an object, but was " + kind(value));
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : value.properties()) {
      if (!e.getValue().isTextual()) {
        throw Problem.badRequest(
            "the field \"" + field + "\" must map each key to a string, but \"" + e.getKey() + "\" maps to " + kind(e.getValue()));
      }
      map.put(e.getKey(), e.getValue().textValue());
    }
    return map;
  }

  private static String kind(JsonNode value) {
    return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String quoted(Iterable<String> names) {
    StringBuilder s = new StringBuilder();
    for (String n : names) {
      if (s.length() > 0) {
        s.append(", ");
      }
      s.append('"').append(n.length() > 64 ? n.substring(0, 64) + "..." : n).append('"');
    }
    return s.toString();
  }
}
