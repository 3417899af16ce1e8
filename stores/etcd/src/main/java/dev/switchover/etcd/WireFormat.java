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
import dev.switchover.Split;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.TrackedDomain;
import dev.switchover.verification.Verification;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys and JSON values of the state under one key prefix. One key holds the table's
 * description ({@code <prefix>meta}: format, which stored table is current, revision, reason,
 * who made it, workspaces, preview suffix), and one key per host holds its status and routes
 * ({@code <prefix>tables/<table id>/<host>}), so that a write touches only the hosts it changes.
 * What a verification schedule tracks of a domain (its challenge, how it was checked, where it
 * stands) is one key per domain, {@code <prefix>verification/<domain>}. Every
 * value carries the format version; a reader takes any version up to its own and refuses newer
 * ones, so a field added later must be one an older reader may ignore, or come with a new version.
 */
final class WireFormat {
  private static final Logger log = LoggerFactory.getLogger(WireFormat.class);
  /** The longest actor a table takes (as {@code Router.actingAs} checks it). */
  private static final int MAX_ACTOR_LENGTH = 256;
  /** The newest format this release reads and writes. */
  static final int FORMAT = 2;
  /**
   * The format of values that need nothing newer: a release that reads only format 1 still reads
   * them. Format 2 adds a route's canary split, and the reason SPLIT; only values that hold one
   * are written in it, so that routers of an older release refuse what they cannot serve rightly
   * (and keep serving their last table) instead of ignoring a split.
   */
  static final int FORMAT_1 = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  final String prefix;
  final String metaKey;
  final String tablesPrefix;
  final String verificationPrefix;

  WireFormat(String prefix) {
    this.prefix = prefix;
    this.metaKey = prefix + "meta";
    this.tablesPrefix = prefix + "tables/";
    this.verificationPrefix = prefix + "verification/";
  }

  String verificationKey(HostName domain) {
    return verificationPrefix + domain;
  }

  /** The domain a verification key is for. */
  HostName verifiedDomainOf(String key) {
    return parseHost(key, key.substring(verificationPrefix.length()));
  }

  String hostsPrefix(String tableId) {
    return tablesPrefix + tableId + "/";
  }

  String hostKey(String tableId, HostName host) {
    return hostsPrefix(tableId) + host;
  }

  /** The host a key of table {@code tableId} is for. */
  HostName hostOf(String key, String tableId) {
    return parseHost(key, key.substring(hostsPrefix(tableId).length()));
  }

  private static HostName parseHost(String key, String name) {
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
      String writer,
      @Nullable String actor) {

    static Meta of(String tableId, RoutingTable table, String writer) {
      return new Meta(
          tableId,
          table.revision(),
          table.reason(),
          table.description(),
          ImmutableSortedSet.copyOf(table.workspaces()),
          table.previewSuffix().orElse(null),
          writer,
          table.actor().orElse(null));
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
    o.put("format", meta.reason() == ChangeReason.SPLIT ? FORMAT : FORMAT_1);
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
    String actor = meta.actor();
    if (actor != null) {
      o.put("actor", actor);
    }
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
          o.hasNonNull("writer") ? o.get("writer").asText() : "",
          actor(key, o.get("actor")));
    } catch (IllegalArgumentException e) {
      throw new StoreDataException(key, "unreadable state: " + e.getMessage(), e);
    }
  }

  /**
   * Who made the revision: a field added after the format's first release, so a state without it
   * names no one, and one this release cannot take (too long, a control character, not text) is
   * logged and left out rather than making the whole state unreadable.
   */
  private static @Nullable String actor(String key, @Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    String actor = node.isTextual() ? node.asText() : null;
    if (actor == null
        || actor.isEmpty()
        || actor.length() > MAX_ACTOR_LENGTH
        || actor.chars().anyMatch(Character::isISOControl)) {
      String json = node.toString(); // JSON-escaped: no line breaks reach the log
      log.warn("{}: ignoring an \"actor\" this release cannot show: {}", key, json.length() > 300 ? json.substring(0, 300) + "..." : json);
      return null;
    }
    return actor;
  }

  byte[] encodeHost(HostState state) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", state.routes().stream().anyMatch(r -> r.split().isPresent()) ? FORMAT : FORMAT_1);
    DomainStatus status = state.status();
    if (status != null) {
      o.put("status", status.name());
    }
    ArrayNode routes = o.putArray("routes");
    for (Route r : state.routes()) {
      ObjectNode route = routes.addObject().put("prefix", r.prefix().toString()).put("workspace", r.workspace().name());
      r.split()
          .ifPresent(
              split ->
                  route.putObject("split").put("canary", split.canary().name()).put("basisPoints", split.basisPoints()));
    }
    return bytes(o);
  }

  HostState decodeHost(String key, HostName host, byte[] value) {
    JsonNode o = parse(key, value);
    try {
      JsonNode status = o.get("status");
      ImmutableList.Builder<Route> routes = ImmutableList.builder();
      for (JsonNode r : array(key, o, "routes")) {
        Route route =
            Route.of(
                host,
                PathPrefix.of(text(key, r.get("prefix"), "a route's \"prefix\"")),
                WorkspaceId.of(text(key, r.get("workspace"), "a route's \"workspace\"")));
        JsonNode split = r.get("split");
        if (split != null && !split.isNull()) {
          if (o.get("format").asInt() < FORMAT) {
            throw new StoreDataException(key, "a route's \"split\" in a format " + o.get("format").asInt() + " value; splits are format " + FORMAT);
          }
          JsonNode weight = split.get("basisPoints");
          if (weight == null || !weight.isInt()) {
            throw new StoreDataException(key, "a split's \"basisPoints\" must be a whole number, but was " + weight);
          }
          route =
              route.withSplit(
                  Split.of(WorkspaceId.of(text(key, split.get("canary"), "a split's \"canary\"")), weight.intValue()));
        }
        routes.add(route);
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

  byte[] encodeTracked(TrackedDomain tracked) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT_1);
    o.put("domain", tracked.domain().toString());
    Challenge c = tracked.challenge();
    o.putObject("challenge").put("id", c.id()).put("token", c.token()).put("issuedAt", c.issuedAt().toString());
    tracked.method().ifPresent(m -> o.put("method", m.name()));
    Verification v = tracked.verification();
    o.put("status", v.status().name());
    o.put("at", v.at().toString());
    v.verifiedAt().ifPresent(at -> o.put("verifiedAt", at.toString()));
    v.validUntil().ifPresent(until -> o.put("validUntil", until.toString()));
    o.put("reason", v.reason());
    return bytes(o);
  }

  TrackedDomain decodeTracked(String key, HostName domain, byte[] value) {
    JsonNode o = parse(key, value);
    try {
      HostName named = HostName.parse(text(key, o.get("domain"), "\"domain\""));
      if (!named.equals(domain)) {
        throw new StoreDataException(key, "the value is about " + named + ", not " + domain);
      }
      JsonNode c = o.get("challenge");
      if (c == null || !c.isObject()) {
        throw new StoreDataException(key, "expected an object \"challenge\"");
      }
      Challenge challenge =
          Challenge.of(
              domain,
              text(key, c.get("id"), "the challenge's \"id\""),
              text(key, c.get("token"), "the challenge's \"token\""),
              instant(key, c.get("issuedAt"), "the challenge's \"issuedAt\""));
      JsonNode method = o.get("method");
      Verification v =
          Verification.of(
              domain,
              DomainStatus.valueOf(text(key, o.get("status"), "\"status\"")),
              instant(key, o.get("at"), "\"at\""),
              o.hasNonNull("verifiedAt") ? instant(key, o.get("verifiedAt"), "\"verifiedAt\"") : null,
              o.hasNonNull("validUntil") ? instant(key, o.get("validUntil"), "\"validUntil\"") : null,
              text(key, o.get("reason"), "\"reason\""));
      return TrackedDomain.of(
          challenge,
          method == null || method.isNull() ? null : Challenge.Method.valueOf(text(key, method, "\"method\"")),
          v);
    } catch (IllegalArgumentException e) {
      throw new StoreDataException(key, "unreadable verification: " + e.getMessage(), e);
    }
  }

  private static Instant instant(String key, @Nullable JsonNode n, String what) {
    String t = text(key, n, what);
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      throw new StoreDataException(key, "expected an instant such as 2026-01-01T00:00:00Z for " + what + ", found \"" + t + "\"", e);
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
