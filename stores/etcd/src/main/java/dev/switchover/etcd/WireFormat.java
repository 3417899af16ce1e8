package dev.switchover.etcd;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedSet;
import dev.switchover.ChangeReason;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.PathPrefix;
import dev.switchover.Route;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The keys and JSON values of the state under one key prefix. One key holds the table's
 * description ({@code <prefix>meta}: format, which stored table is current, revision, reason,
 * workspaces, preview suffix), and one key per host holds its status and routes ({@code
 * <prefix>tables/<table id>/<host>}), so that a write touches only the hosts it changes. Every
 * value carries the format version; a reader takes any version up to its own and refuses newer
 * ones, so a field added later must be one an older reader may ignore, or come with a new version.
 */
final class WireFormat {
  /** The format this release writes, and the newest it reads. */
  static final int FORMAT = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  final String prefix;
  final String metaKey;
  final String tablesPrefix;

  WireFormat(String prefix) {
    this.prefix = prefix;
    this.metaKey = prefix + "meta";
    this.tablesPrefix = prefix + "tables/";
  }

  String hostsPrefix(String tableId) {
    return tablesPrefix + tableId + "/";
  }

  String hostKey(String tableId, HostName host) {
    return hostsPrefix(tableId) + host;
  }

  /** The host a key of table {@code tableId} is for. */
  HostName hostOf(String key, String tableId) {
    String name = key.substring(hostsPrefix(tableId).length());
    HostName host;
    try {
      host = HostName.parse(name);
    } catch (IllegalArgumentException e) {
      throw new StoreDataException(key, "not a host name: " + e.getMessage(), e);
    }
    if (!host.toString().equals(name)) {
      throw new StoreDataException(key, "the host is not in its normalized form " + host);
    }
    return host;
  }

  /** What the meta key says: which stored table is current, and what is not per host. */
  record Meta(
      String tableId,
      long revision,
      ChangeReason reason,
      String description,
      ImmutableSortedSet<WorkspaceId> workspaces,
      @Nullable HostName previewSuffix,
      String writer) {

    static Meta of(String tableId, RoutingTable table, String writer) {
      return new Meta(
          tableId,
          table.revision(),
          table.reason(),
          table.description(),
          ImmutableSortedSet.copyOf(table.workspaces()),
          table.previewSuffix().orElse(null),
          writer);
    }
  }

  /** One host's status (absent for a preview host) and routes, by prefix. */
  record HostState(@Nullable DomainStatus status, List<Route> routes) {
    static final HostState ABSENT = new HostState(null, ImmutableList.of());

    static HostState of(RoutingTable table, HostName host) {
      return new HostState(table.domainStatus(host).orElse(null), table.routes(host));
    }

    boolean isAbsent() {
      return status == null && routes.isEmpty();
    }
  }

  byte[] encodeMeta(Meta meta) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    o.put("table", meta.tableId());
    o.put("revision", meta.revision());
    o.put("reason", meta.reason().name());
    o.put("description", meta.description());
    ArrayNode ws = o.putArray("workspaces");
    meta.workspaces().forEach(w -> ws.add(w.name()));
    HostName suffix = meta.previewSuffix();
    if (suffix != null) {
      o.put("previewSuffix", suffix.toString());
    }
    o.put("writer", meta.writer());
    return bytes(o);
  }

  Meta decodeMeta(String key, byte[] value) {
    JsonNode o = parse(key, value);
    try {
      ImmutableSortedSet.Builder<WorkspaceId> ws = ImmutableSortedSet.naturalOrder();
      for (JsonNode w : array(key, o, "workspaces")) {
        ws.add(WorkspaceId.of(text(key, w, "a workspace")));
      }
      JsonNode suffix = o.get("previewSuffix");
      long revision = number(key, o, "revision");
      if (revision < 1) {
        throw new StoreDataException(key, "the revision must be at least 1, but was " + revision);
      }
      return new Meta(
          text(key, o.get("table"), "\"table\""),
          revision,
          ChangeReason.valueOf(text(key, o.get("reason"), "\"reason\"")),
          text(key, o.get("description"), "\"description\""),
          ws.build(),
          suffix == null || suffix.isNull() ? null : HostName.parse(text(key, suffix, "\"previewSuffix\"")),
          o.hasNonNull("writer") ? o.get("writer").asText() : "");
    } catch (IllegalArgumentException e) {
      throw new StoreDataException(key, "unreadable state: " + e.getMessage(), e);
    }
  }

  byte[] encodeHost(HostState state) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    DomainStatus status = state.status();
    if (status != null) {
      o.put("status", status.name());
    }
    ArrayNode routes = o.putArray("routes");
    for (Route r : state.routes()) {
      routes.addObject().put("prefix", r.prefix().toString()).put("workspace", r.workspace().name());
    }
    return bytes(o);
  }

  HostState decodeHost(String key, HostName host, byte[] value) {
    JsonNode o = parse(key, value);
    try {
      JsonNode status = o.get("status");
      ImmutableList.Builder<Route> routes = ImmutableList.builder();
      for (JsonNode r : array(key, o, "routes")) {
        routes.add(
            Route.of(
                host,
                PathPrefix.of(text(key, r.get("prefix"), "a route's \"prefix\"")),
                WorkspaceId.of(text(key, r.get("workspace"), "a route's \"workspace\""))));
      }
      HostState state =
          new HostState(
              status == null || status.isNull()
                  ? null
                  : DomainStatus.valueOf(text(key, status, "\"status\"").toUpperCase(Locale.ROOT)),
              routes.build());
      if (state.isAbsent()) {
        throw new StoreDataException(key, "a host with neither a status nor routes is stored as no key at all");
      }
      return state;
    } catch (IllegalArgumentException e) {
      throw new StoreDataException(key, "unreadable host: " + e.getMessage(), e);
    }
  }

  private static JsonNode parse(String key, byte[] value) {
    JsonNode o;
    try {
      o = JSON.readTree(value);
    } catch (IOException e) {
      throw new StoreDataException(key, "not the JSON Switchover writes: " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new StoreDataException(key, "expected a JSON object, found " + (o == null ? "nothing" : o.getNodeType()));
    }
    JsonNode format = o.get("format");
    if (format == null || !format.canConvertToInt()) {
      throw new StoreDataException(key, "no format version: expected \"format\": " + FORMAT);
    }
    int f = format.asInt();
    if (f > FORMAT) {
      throw new StoreDataException(
          key, "written in format " + f + " by a newer release; this release reads formats 1 to " + FORMAT);
    }
    if (f < 1) {
      throw new StoreDataException(key, "unknown format " + f + "; this release reads formats 1 to " + FORMAT);
    }
    return o;
  }

  private static Iterable<JsonNode> array(String key, JsonNode o, String field) {
    JsonNode a = o.get(field);
    if (a == null || !a.isArray()) {
      throw new StoreDataException(key, "expected an array \"" + field + "\"");
    }
    return a;
  }

  private static long number(String key, JsonNode o, String field) {
    JsonNode n = o.get(field);
    if (n == null || !n.canConvertToLong()) {
      throw new StoreDataException(key, "expected a number \"" + field + "\"");
    }
    return n.asLong();
  }

  private static String text(String key, @Nullable JsonNode n, String what) {
    if (n == null || !n.isTextual()) {
      throw new StoreDataException(key, "expected text for " + what);
    }
    return n.asText();
  }

  private static byte[] bytes(ObjectNode o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }
}
