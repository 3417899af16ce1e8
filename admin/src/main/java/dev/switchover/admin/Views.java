package dev.switchover.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.Route;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.Verification;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** The JSON the admin API answers with: what each resource looks like on the wire. */
final class Views {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Router router;
  private final Function<HostName, Optional<Verification>> verification;
  private final Function<HostName, @Nullable Challenge> challenge;
  private final AuditLog audit;

  Views(
      Router router,
      Function<HostName, Optional<Verification>> verification,
      Function<HostName, @Nullable Challenge> challenge,
      AuditLog audit) {
    this.router = router;
    this.verification = verification;
    this.challenge = challenge;
    this.audit = audit;
  }

  /** The whole table: revision, domains with their routes, preview hosts, workspaces. */
  ObjectNode table(RoutingTable table) {
    ObjectNode node = JSON.objectNode();
    node.put("revision", table.revision());
    node.put("reason", table.reason().name());
    node.put("description", table.description());
    table.previewSuffix().ifPresentOrElse(s -> node.put("previewSuffix", s.toString()), () -> node.putNull("previewSuffix"));
    ArrayNode domains = node.putArray("domains");
    Map<HostName, DomainStatus> statuses = table.domains();
    for (Map.Entry<HostName, DomainStatus> d : statuses.entrySet()) {
      domains.add(domain(table, d.getKey(), d.getValue()));
    }
    ArrayNode previews = node.putArray("previewHosts");
    for (HostName host : table.routedHosts()) {
      if (!statuses.containsKey(host)) {
        ObjectNode preview = previews.addObject();
        preview.put("host", host.toString());
        preview.set("routes", routes(table.routes(host)));
      }
    }
    node.set("workspaces", workspaces(table));
    return node;
  }

  /** One declared domain: status, routes, and where its verification stands. */
  ObjectNode domain(RoutingTable table, HostName name, DomainStatus status) {
    ObjectNode node = JSON.objectNode();
    node.put("name", name.toString());
    node.put("status", status.name());
    node.set("routes", routes(table.routes(name)));
    verification.apply(name).ifPresent(v -> {
      ObjectNode check = node.putObject("verification");
      check.put("status", v.status().name());
      check.put("at", v.at().toString());
      v.validUntil().ifPresent(until -> check.put("validUntil", until.toString()));
      check.put("reason", v.reason());
    });
    Challenge c = challenge.apply(name);
    if (c != null && status != DomainStatus.VERIFIED) {
      node.set("challenge", challenge(c));
    }
    return node;
  }

  /** The record an owner must publish to prove a domain. */
  static ObjectNode challenge(Challenge c) {
    ObjectNode node = JSON.objectNode();
    node.put("recordType", "TXT");
    node.put("recordName", c.recordName());
    node.put("recordValue", c.recordValue());
    c.httpUrl().ifPresent(url -> node.put("httpUrl", url.toString()));
    node.put("issuedAt", c.issuedAt().toString());
    return node;
  }

  static ArrayNode routes(List<Route> routes) {
    ArrayNode array = JSON.arrayNode();
    for (Route r : routes) {
      ObjectNode route = array.addObject();
      route.put("prefix", r.prefix().toString());
      route.put("workspace", r.workspace().name());
      r.split()
          .ifPresent(
              split -> route.putObject("split").put("canary", split.canary().name()).put("basisPoints", split.basisPoints()));
    }
    return array;
  }

  /** Each declared workspace with its requests in flight; drained when idle and unrouted. */
  ArrayNode workspaces(RoutingTable table) {
    ArrayNode array = JSON.arrayNode();
    for (WorkspaceId w : table.workspaces()) {
      long inFlight = router.inFlight(w);
      boolean routed = table.routesTo(w);
      ObjectNode node = array.addObject();
      node.put("name", w.name());
      node.put("inFlight", inFlight);
      node.put("routed", routed);
      node.put("drained", !routed && inFlight == 0);
    }
    return array;
  }

  /**
   * The current table and those before it, newest first, with who made each if known: from this
   * API's audit (who, when, what), or else from the table itself (who), which a store shared by
   * a fleet carries from the router that wrote it.
   */
  ArrayNode history(RoutingTable current, List<RoutingTable> earlier) {
    ArrayNode array = JSON.arrayNode();
    array.add(revision(current, true));
    for (RoutingTable t : earlier) {
      array.add(revision(t, false));
    }
    return array;
  }

  private ObjectNode revision(RoutingTable t, boolean current) {
    ObjectNode node = JSON.objectNode();
    node.put("revision", t.revision());
    node.put("reason", t.reason().name());
    node.put("description", t.description());
    node.put("current", current);
    AuditLog.Entry made = audit.madeRevision(t.revision());
    if (made != null) {
      node.put("by", made.actor());
      node.put("at", made.at().toString());
      node.put("action", made.action());
    } else {
      // made through another router of the fleet (or before a restart): the table names who
      t.actor().ifPresent(actor -> node.put("by", actor));
    }
    return node;
  }

  /** The audit trail, newest first. */
  ArrayNode audit() {
    ArrayNode array = JSON.arrayNode();
    for (AuditLog.Entry e : audit.entries()) {
      ObjectNode node = array.addObject();
      node.put("by", e.actor());
      node.put("at", e.at().toString());
      node.put("action", e.action());
      node.put("revisionBefore", e.revisionBefore());
      node.put("revisionAfter", e.revisionAfter());
    }
    return array;
  }

  /** A verification result, as "check now" answers it. */
  static ObjectNode verification(Verification v) {
    ObjectNode node = JSON.objectNode();
    node.put("domain", v.domain().toString());
    node.put("status", v.status().name());
    node.put("at", v.at().toString());
    v.validUntil().ifPresent(until -> node.put("validUntil", until.toString()));
    node.put("reason", v.reason());
    return node;
  }
}
