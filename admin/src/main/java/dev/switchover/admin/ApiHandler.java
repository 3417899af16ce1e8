package dev.switchover.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Splitter;
import com.google.common.net.InetAddresses;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.InvalidTableException;
import dev.switchover.PathPrefix;
import dev.switchover.PreviewToken;
import dev.switchover.PreviewTokens;
import dev.switchover.RevisionConflictException;
import dev.switchover.RoutingTable;
import dev.switchover.SwitchoverException;
import dev.switchover.WorkspaceId;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.Verification;
import dev.switchover.verification.VerificationSchedule;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's requests, from authentication to the written answer. Every refusal is a {@link
 * Problem}, written as {@code application/problem+json}; a refused write changes nothing.
 */
final class ApiHandler {
  private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
  static final String JSON = "application/json";
  static final String PROBLEM_JSON = "application/problem+json";
  static final String PROBLEM_TYPE_PREFIX = "urn:switchover:problem:";
  /** The {@code Retry-After} of a write the store could not take. */
  private static final long STORE_RETRY_AFTER_SECONDS = 5;

  private final AdminApi api;

  ApiHandler(AdminApi api) {
    this.api = api;
  }

  /** Who is calling: a token's name and role, or the loopback caller of an API without tokens. */
  record Caller(String name, Role role) {}

  /** An answer: status, body (null for none) and the table revision to send as the ETag, if any. */
  record Answer(int status, @Nullable JsonNode body, long etag) {
    static Answer ok(JsonNode body, long etag) {
      return new Answer(200, body, etag);
    }
  }

  /** Serves one request whose path below the API's mount starts with {@code /api}. */
  void handle(String path, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setHeader("Cache-Control", "no-store");
    resp.setHeader("X-Content-Type-Options", "nosniff");
    Answer answer;
    try {
      Caller caller = authenticate(req);
      answer = dispatch(path, req, caller);
    } catch (Problem p) {
      if (req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null) {
        // Refused before its body was read (or while reading it): the server may close the
        // connection once the answer is out, and a client must not send its next request on it.
        resp.setHeader("Connection", "close");
      }
      writeProblem(resp, p, req.getRequestURI());
      return;
    } catch (RuntimeException e) {
      log.error("admin API: {} {} failed", req.getMethod(), path, e);
      writeProblem(resp, new Problem(500, "internal-error", "Internal error", "the request failed on the server; see its log"), req.getRequestURI());
      return;
    }
    if (answer.etag() > 0) {
      resp.setHeader("ETag", etag(answer.etag()));
    }
    if (answer.status() == 200 && answer.etag() > 0 && "GET".equals(req.getMethod())) {
      String ifNoneMatch = req.getHeader("If-None-Match");
      if (ifNoneMatch != null && ifNoneMatch.trim().equals(etag(answer.etag()))) {
        resp.setStatus(304);
        return;
      }
    }
    resp.setStatus(answer.status());
    JsonNode body = answer.body();
    if (body != null) {
      write(resp, JSON, body);
    }
  }

  static String etag(long revision) {
    return "\"" + revision + "\"";
  }

  // ---- authentication ------------------------------------------------------------------------

  private Caller authenticate(HttpServletRequest req) {
    String address = req.getRemoteAddr();
    if (api.tokens.isEmpty()) {
      // Without tokens only the machine itself may call, and only by a loopback name: a page
      // elsewhere that rebinds its own name to 127.0.0.1 still sends its own name as the host.
      if (!isLoopbackAddress(address)
          || !isLoopbackAddress(req.getLocalAddr())
          || !isLoopbackName(req.getServerName())
          || isForwarded(req)) {
        throw new Problem(403, "forbidden", "Forbidden",
            "this admin API has no tokens, so it answers only requests from and to the loopback interface");
      }
      return new Caller("local", Role.OPERATOR);
    }
    long retryAfter = api.limiter.retryAfterSeconds(address);
    if (retryAfter > 0) {
      throw new Problem(429, "too-many-failed-authentications", "Too many failed authentications",
          "too many failed authentications from this address; try again in " + retryAfter + " s",
          Map.of("retryAfterSeconds", retryAfter));
    }
    String header = req.getHeader("Authorization");
    if (header == null) {
      api.limiter.failed(address, "no Authorization header");
      throw unauthorized("this request needs an Authorization header: Bearer <token>");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      api.limiter.failed(address, "not a bearer token");
      throw unauthorized("the Authorization header must be Bearer <token>");
    }
    Tokens.Token token = api.tokens.match(header.substring(7).trim());
    if (token == null) {
      api.limiter.failed(address, "unknown token");
      throw unauthorized("the bearer token is not one this admin API accepts");
    }
    return new Caller(token.name(), token.role());
  }

  private static Problem unauthorized(String detail) {
    return new Problem(401, "unauthorized", "Unauthorized", detail);
  }

  static boolean isLoopbackAddress(String address) {
    String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
    if (!InetAddresses.isInetAddress(a)) {
      return false;
    }
    InetAddress ip = InetAddresses.forString(a);
    return ip.isLoopbackAddress();
  }

  /** Whether the request came through a proxy that says so: then who sent it is not loopback. */
  private static boolean isForwarded(HttpServletRequest req) {
    for (String name : List.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")) {
      if (req.getHeader(name) != null) {
        return true;
      }
    }
    return false;
  }

  static boolean isLoopbackName(String serverName) {
    String n = serverName.toLowerCase(Locale.ROOT);
    return n.equals("localhost") || n.endsWith(".localhost") || isLoopbackAddress(n);
  }

  // ---- dispatch ------------------------------------------------------------------------------

  private Answer dispatch(String path, HttpServletRequest req, Caller caller) throws IOException {
    String method = req.getMethod();
    List<String> segments = segments(path); // the first is "api"
    if (segments.size() == 2) {
      switch (segments.get(1)) {
        case "table" -> {
          requireMethod(method, "GET");
          return readTable();
        }
        case "domains" -> {
          requireMethod(method, "GET", "POST");
          return method.equals("GET") ? readTable() : addDomain(req, caller);
        }
        case "workspaces" -> {
          requireMethod(method, "GET");
          RoutingTable t = api.router.current();
          return Answer.ok(api.views.workspaces(t), t.revision());
        }
        case "history" -> {
          requireMethod(method, "GET");
          return readHistory();
        }
        case "audit" -> {
          requireMethod(method, "GET");
          return Answer.ok(api.views.audit(), api.router.current().revision());
        }
        case "swap" -> {
          requireMethod(method, "POST");
          return swap(req, caller);
        }
        case "rollback" -> {
          requireMethod(method, "POST");
          return rollback(req, caller);
        }
        case "restore" -> {
          requireMethod(method, "POST");
          return restore(req, caller);
        }
        case "previews" -> {
          requireMethod(method, "POST");
          return mintPreview(req, caller);
        }
        default -> {}
      }
    } else if (segments.size() >= 3 && segments.size() <= 4 && segments.get(1).equals("domains")) {
      HostName domain = domainName(segments.get(2));
      if (segments.size() == 3) {
        requireMethod(method, "GET", "DELETE");
        return method.equals("GET") ? readDomain(domain) : removeDomain(req, caller, domain);
      }
      switch (segments.get(3)) {
        case "promote" -> {
          requireMethod(method, "POST");
          return promote(req, caller, domain);
        }
        case "check" -> {
          requireMethod(method, "POST");
          return check(req, caller, domain);
        }
        default -> {}
      }
    }
    throw Problem.notFound("no such resource: " + path);
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String s : path.split("/", -1)) {
      if (!s.isEmpty()) {
        segments.add(s);
      }
    }
    return segments;
  }

  private static void requireMethod(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw new Problem(405, "method-not-allowed", "Method not allowed",
        method + " is not allowed here; allowed: " + String.join(", ", allowed),
        Map.of("allow", String.join(", ", allowed)));
  }

  private static HostName domainName(String text) {
    try {
      return HostName.parse(text);
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("not a domain name: " + e.getMessage());
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  private Answer readTable() {
    RoutingTable t = api.router.current();
    return Answer.ok(api.views.table(t), t.revision());
  }

  private Answer readDomain(HostName domain) {
    RoutingTable t = api.router.current();
    DomainStatus status = declared(t, domain);
    return Answer.ok(api.views.domain(t, domain, status), t.revision());
  }

  private Answer readHistory() {
    RoutingTable t = api.router.current();
    return Answer.ok(api.views.history(t, api.router.history()), t.revision());
  }

  private static DomainStatus declared(RoutingTable t, HostName domain) {
    return t.domainStatus(domain).orElseThrow(() -> Problem.notFound(
        "no domain " + domain + " in revision " + t.revision() + "; declared domains: " + names(t.domains().keySet())));
  }

  private static WorkspaceId workspace(RoutingTable t, String name) {
    WorkspaceId w;
    try {
      w = WorkspaceId.of(name);
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("not a workspace name: " + e.getMessage());
    }
    if (!t.workspaces().contains(w)) {
      throw new Problem(422, "unknown-workspace", "Unknown workspace",
          "no workspace \"" + name + "\" in revision " + t.revision() + "; workspaces: " + names(t.workspaces()));
    }
    return w;
  }

  private static PathPrefix prefix(RoutingTable t, HostName domain, String text) {
    PathPrefix p;
    try {
      p = PathPrefix.of(text);
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("not a path prefix: " + e.getMessage());
    }
    if (t.routes(domain).stream().noneMatch(r -> r.prefix().equals(p))) {
      throw new Problem(422, "unknown-prefix", "Unknown prefix",
          "domain " + domain + " has no route for " + p + " in revision " + t.revision());
    }
    return p;
  }

  private static String names(Iterable<?> items) {
    StringBuilder s = new StringBuilder();
    for (Object o : items) {
      s.append(s.length() == 0 ? "" : ", ").append(o);
    }
    return s.length() == 0 ? "none" : s.toString();
  }

  // ---- writes --------------------------------------------------------------------------------

  private Answer promote(HttpServletRequest req, Caller caller, HostName domain) throws IOException {
    requireWriter(caller);
    JsonBody body = body(req).allow("workspace", "prefix", "routes", "revision");
    long expected = expectedRevision(req, body);
    RoutingTable t = api.router.current();
    declared(t, domain);
    Map<String, String> routes = body.optionalTextMap("routes");
    String ws = body.optionalText("workspace");
    String prefixText = body.optionalText("prefix");
    if ((routes == null) == (ws == null)) {
      throw Problem.badRequest("give either \"workspace\" (with an optional \"prefix\") or \"routes\", a map from prefix to workspace");
    }
    if (routes != null) {
      if (prefixText != null) {
        throw Problem.badRequest("\"prefix\" goes with \"workspace\", not with \"routes\"");
      }
      if (routes.isEmpty()) {
        throw Problem.badRequest("\"routes\" names no prefix");
      }
      Map<PathPrefix, WorkspaceId> changes = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : routes.entrySet()) {
        changes.put(prefix(t, domain, e.getKey()), workspace(t, e.getValue()));
      }
      if (changes.size() == t.routes(domain).size() && new java.util.HashSet<>(changes.values()).size() == 1) {
        // Every prefix to one workspace: the release of the whole domain, and so named in the history.
        WorkspaceId all = changes.values().iterator().next();
        return write(caller, "promote " + domain + " -> " + all, expected, () -> api.router.promote(expected, domain, all));
      }
      if (changes.size() == 1) {
        Map.Entry<PathPrefix, WorkspaceId> only = changes.entrySet().iterator().next();
        String action = "promote " + domain + only.getKey() + " -> " + only.getValue();
        return write(caller, action, expected, () -> api.router.promote(expected, domain, only.getKey(), only.getValue()));
      }
      StringBuilder action = new StringBuilder("promote");
      changes.forEach((p, w) -> action.append(action.length() > 7 ? ", " : " ").append(domain).append(p).append(" -> ").append(w));
      return write(caller, action.toString(), expected, () -> api.router.update(expected, b -> changes.forEach((p, w) -> b.pointRoute(domain, p, w))));
    }
    WorkspaceId w = workspace(t, ws);
    if (prefixText == null) {
      if (t.routes(domain).isEmpty()) {
        throw new Problem(422, "no-routes", "Domain has no routes", "domain " + domain + " has no routes to point at " + w);
      }
      return write(caller, "promote " + domain + " -> " + w, expected, () -> api.router.promote(expected, domain, w));
    }
    PathPrefix p = prefix(t, domain, prefixText);
    return write(caller, "promote " + domain + p + " -> " + w, expected, () -> api.router.promote(expected, domain, p, w));
  }

  private Answer swap(HttpServletRequest req, Caller caller) throws IOException {
    requireWriter(caller);
    JsonBody body = body(req).allow("a", "b", "revision");
    long expected = expectedRevision(req, body);
    RoutingTable t = api.router.current();
    HostName a = domainName(body.text("a"));
    HostName b = domainName(body.text("b"));
    for (HostName h : List.of(a, b)) {
      if (t.routes(h).isEmpty()) {
        throw new Problem(422, "no-routes", "Host has no routes",
            h + " has no routes in revision " + t.revision() + " to swap");
      }
    }
    return write(caller, "swap " + a + " <-> " + b, expected, () -> api.router.swap(expected, a, b));
  }

  private Answer rollback(HttpServletRequest req, Caller caller) throws IOException {
    requireWriter(caller);
    JsonBody body = body(req).allow("revision");
    long expected = expectedRevision(req, body);
    return write(caller, "rollback of revision " + expected, expected, () -> api.router.rollback(expected));
  }

  private Answer restore(HttpServletRequest req, Caller caller) throws IOException {
    requireWriter(caller);
    JsonBody body = body(req).allow("toRevision", "revision");
    long expected = expectedRevision(req, body);
    long to = body.requiredLong("toRevision");
    return write(caller, "restore of the routing of revision " + to, expected, () -> api.router.restore(expected, to));
  }

  private Answer addDomain(HttpServletRequest req, Caller caller) throws IOException {
    requireWriter(caller);
    JsonBody body = body(req).allow("name", "revision");
    long expected = expectedRevision(req, body);
    VerificationSchedule schedule = requireSchedule();
    HostName domain = domainName(body.text("name"));
    if (domain.isPublicSuffix()) {
      throw new Problem(422, "cannot-verify", "Cannot verify this domain",
          domain + " is a public suffix: names under it belong to different owners");
    }
    RoutingTable t = api.router.current();
    Optional<DomainStatus> status = t.domainStatus(domain);
    if (status.isPresent() && status.get() == DomainStatus.VERIFIED) {
      throw new Problem(409, "domain-exists", "Domain exists", "domain " + domain + " is already declared and VERIFIED");
    }
    String action = "add domain " + domain;
    // The guarded write declares the domain PENDING; the schedule then issues its challenge and
    // finds the status already set, so it writes nothing of its own.
    long etag;
    if (status.isPresent() && status.get() == DomainStatus.PENDING) {
      if (t.revision() != expected) { // nothing to write, but the caller's view must still be current
        throw conflict(expected, t.revision());
      }
      etag = t.revision();
    } else {
      etag = write(caller, action, expected, () -> api.router.update(expected, b -> b.domain(domain, DomainStatus.PENDING))).etag();
    }
    Challenge challenge;
    try {
      challenge = api.router.actingAs(caller.name(), () -> schedule.issue(domain));
    } catch (IllegalArgumentException e) {
      throw new Problem(422, "cannot-verify", "Cannot verify this domain", e.getMessage() == null ? "refused" : e.getMessage());
    } catch (IllegalStateException e) {
      throw verificationChanged(e);
    } catch (SwitchoverException e) {
      throw storeUnavailable(e);
    }
    RoutingTable now = api.router.current();
    ObjectNode node = api.views.domain(now, domain, now.domainStatus(domain).orElse(DomainStatus.PENDING));
    node.set("challenge", Views.challenge(challenge));
    return new Answer(201, node, etag);
  }

  private Answer check(HttpServletRequest req, Caller caller, HostName domain) throws IOException {
    requireWriter(caller);
    JsonBody body = body(req).allow("method");
    VerificationSchedule schedule = requireSchedule();
    declared(api.router.current(), domain); // a challenge left of a removed domain must not declare it again
    Challenge challenge = schedule.challenge(domain).orElse(null);
    if (challenge == null) {
      throw new Problem(409, "no-challenge", "No challenge",
          "no challenge is tracked for " + domain + "; add the domain first");
    }
    String methodText = body.optionalText("method");
    Challenge.Method method;
    if (methodText == null || methodText.equals("dns")) {
      method = Challenge.Method.DNS_TXT;
    } else if (methodText.equals("http")) {
      method = Challenge.Method.HTTP_TOKEN;
    } else {
      throw Problem.badRequest("\"method\" must be \"dns\" or \"http\", but was \"" + methodText + "\"");
    }
    if (!challenge.supports(method)) {
      throw new Problem(422, "unsupported-method", "Unsupported method", "the challenge for " + domain + " cannot be checked by " + methodText);
    }
    long before = api.router.current().revision();
    Verification v;
    try {
      v = api.router.actingAs(caller.name(), () -> schedule.verify(challenge, method));
    } catch (IllegalStateException e) {
      throw verificationChanged(e);
    } catch (SwitchoverException e) {
      throw storeUnavailable(e);
    }
    long after = api.router.current().revision();
    api.audit.published(new AuditLog.Entry(caller.name(), api.clock.instant(), "check " + domain + ": " + v.status(), before, after));
    return Answer.ok(Views.verification(v), after);
  }

  private Answer removeDomain(HttpServletRequest req, Caller caller, HostName domain) throws IOException {
    requireWriter(caller);
    JsonBody body = body(req).allow("revision");
    long expected = expectedRevision(req, body);
    declared(api.router.current(), domain);
    Answer removed =
        write(caller, "remove domain " + domain, expected,
            () -> api.router.update(expected, b -> b.removeDomain(domain)));
    VerificationSchedule schedule = api.schedule;
    if (schedule != null) {
      // Only once the domain is gone: a refused removal keeps it tracked. The removal is made
      // whatever happens here; a challenge left tracked is never checked for an undeclared domain.
      try {
        schedule.forget(domain);
      } catch (RuntimeException e) {
        log.warn("removed {}, but its verification is still tracked: {}", domain, e.toString());
      }
    }
    return removed;
  }

  /** A verification another router changed while this one worked on it: nothing was applied. */
  private static Problem verificationChanged(IllegalStateException e) {
    return new Problem(409, "verification-changed", "Verification changed", String.valueOf(e.getMessage()));
  }

  /** Mints a preview token: {@code {"domain", "workspace", "ttlSeconds"}} (one hour by default). */
  private Answer mintPreview(HttpServletRequest req, Caller caller) throws IOException {
    requireWriter(caller);
    PreviewTokens previews = api.previews;
    if (previews == null) {
      throw new Problem(501, "no-previews", "Not configured",
          "this admin API was built without preview tokens, so it cannot mint them");
    }
    JsonBody body = body(req).allow("domain", "workspace", "ttlSeconds");
    RoutingTable t = api.router.current();
    HostName domain = domainName(body.text("domain"));
    if (t.routes(domain).isEmpty()) {
      throw new Problem(422, "no-routes", "Domain has no routes",
          "domain " + domain + " has no routes in revision " + t.revision() + " to preview on");
    }
    WorkspaceId w = workspace(t, body.text("workspace"));
    Long ttlSeconds = body.optionalLong("ttlSeconds");
    long ttl = ttlSeconds == null ? 3600 : ttlSeconds;
    if (ttl < 1 || ttl > PreviewTokens.MAX_TTL.toSeconds()) {
      throw Problem.badRequest("\"ttlSeconds\" must be from 1 to " + PreviewTokens.MAX_TTL.toSeconds() + ", but was " + ttl);
    }
    String token;
    try {
      token = previews.mint(domain, w, Duration.ofSeconds(ttl));
    } catch (IllegalArgumentException e) {
      throw new Problem(422, "cannot-mint", "Cannot mint a preview token", String.valueOf(e.getMessage()));
    }
    PreviewToken minted = previews.verify(token);
    Instant expires = minted == null ? api.clock.instant().plusSeconds(ttl) : minted.expires();
    long revision = t.revision();
    api.audit.published(new AuditLog.Entry(
        caller.name(), api.clock.instant(), "mint a preview token for " + domain + " -> " + w + " until " + expires, revision, revision));
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("token", token);
    node.put("domain", domain.toString());
    node.put("workspace", w.name());
    node.put("expires", expires.toString());
    node.put("header", "Switchover-Preview");
    node.put("cookiePath", "/.well-known/switchover-preview?token=" + token);
    return new Answer(201, node, revision);
  }

  private VerificationSchedule requireSchedule() {
    VerificationSchedule s = api.schedule;
    if (s == null) {
      throw new Problem(501, "no-verification", "Not configured",
          "this admin API was built without a verification schedule, so it cannot add or check domains");
    }
    return s;
  }

  private static void requireWriter(Caller caller) {
    if (!caller.role().mayWrite()) {
      throw new Problem(403, "forbidden", "Forbidden", "token \"" + caller.name() + "\" is read-only; this request needs an operator token");
    }
  }

  /** Makes one guarded write, audits it and answers the new table; maps refusals to problems. */
  private Answer write(Caller caller, String action, long expected, Supplier<RoutingTable> write) {
    try {
      RoutingTable next = api.router.actingAs(caller.name(), write);
      api.audit.published(new AuditLog.Entry(caller.name(), api.clock.instant(), action, expected, next.revision()));
      return Answer.ok(api.views.table(next), next.revision());
    } catch (RevisionConflictException e) {
      api.audit.refused(caller.name(), action, e.actualRevision(), e.getMessage());
      throw conflict(e.expectedRevision(), e.actualRevision());
    } catch (InvalidTableException e) {
      api.audit.refused(caller.name(), action, api.router.current().revision(), e.getMessage());
      throw new Problem(422, "invalid-table", "Invalid table", "the change would make an invalid table: " + String.join("; ", e.problems()),
          Map.of("problems", e.problems()));
    } catch (IllegalArgumentException e) {
      api.audit.refused(caller.name(), action, api.router.current().revision(), String.valueOf(e.getMessage()));
      throw new Problem(422, "refused", "Refused", String.valueOf(e.getMessage()));
    } catch (IllegalStateException e) {
      api.audit.refused(caller.name(), action, api.router.current().revision(), String.valueOf(e.getMessage()));
      throw new Problem(409, "refused", "Refused", String.valueOf(e.getMessage()));
    } catch (SwitchoverException e) {
      // The store could not take the write (etcd unreachable, or its data unreadable): the write
      // may still land, once, so the operator reloads before trying again.
      api.audit.refused(caller.name(), action, api.router.current().revision(), String.valueOf(e.getMessage()));
      throw storeUnavailable(e);
    }
  }

  private static Problem storeUnavailable(SwitchoverException e) {
    return new Problem(503, "store-unavailable", "Store unavailable",
        e.getMessage() + "; the write may still be made: reload before trying again",
        Map.of("retryAfterSeconds", STORE_RETRY_AFTER_SECONDS));
  }

  private static Problem conflict(long expected, long current) {
    return new Problem(409, "revision-conflict", "Revision conflict",
        "you saw revision " + expected + " but the table is at revision " + current
            + " now; nothing was changed. Reload, and apply your change again if it still makes sense",
        Map.of("expectedRevision", expected, "currentRevision", current));
  }

  /**
   * The revision the caller saw: {@code If-Match: "7"} or a {@code revision} field. One of them is
   * required, so that no write replaces a table its caller never saw.
   */
  private static long expectedRevision(HttpServletRequest req, JsonBody body) {
    Long field = body.optionalLong("revision");
    String ifMatch = req.getHeader("If-Match");
    Long header = null;
    if (ifMatch != null) {
      String v = ifMatch.trim();
      if (v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2) {
        v = v.substring(1, v.length() - 1);
      }
      if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw Problem.badRequest("If-Match must be the ETag of the table the change is based on, such as \"7\", but was " + abbreviate(ifMatch));
      }
      header = Long.parseLong(v);
    }
    if (header != null && field != null && !header.equals(field)) {
      throw Problem.badRequest("If-Match names revision " + header + " but the field \"revision\" names " + field);
    }
    Long expected = header != null ? header : field;
    if (expected == null) {
      throw new Problem(428, "revision-required", "Revision required",
          "a write must say which revision it is based on: send If-Match: \"<revision>\" or a \"revision\" field");
    }
    return expected;
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  // ---- bodies --------------------------------------------------------------------------------

  /** Reads the request's JSON body, strictly; no body reads as an empty object. */
  private static JsonBody body(HttpServletRequest req) throws IOException {
    long length = req.getContentLengthLong();
    boolean chunked = req.getHeader("Transfer-Encoding") != null;
    if (length == 0 || (length < 0 && !chunked)) {
      return JsonBody.empty();
    }
    String type = req.getContentType();
    if (type == null || !isJson(type)) {
      throw new Problem(415, "unsupported-media-type", "Unsupported media type",
          "the body must be application/json, but was " + (type == null ? "not labelled" : abbreviate(type)));
    }
    if (length > JsonBody.MAX_BYTES) {
      throw tooLarge();
    }
    byte[] bytes = readAtMost(req.getInputStream(), JsonBody.MAX_BYTES);
    return JsonBody.parse(bytes);
  }

  private static boolean isJson(String contentType) {
    List<String> parts = Splitter.on(';').trimResults().splitToList(contentType);
    if (!parts.get(0).equalsIgnoreCase(JSON)) {
      return false;
    }
    for (int i = 1; i < parts.size(); i++) {
      String p = parts.get(i).toLowerCase(Locale.ROOT);
      if (p.startsWith("charset=") && !p.equals("charset=utf-8") && !p.equals("charset=\"utf-8\"")) {
        return false;
      }
    }
    return true;
  }

  private static byte[] readAtMost(InputStream in, int max) throws IOException {
    byte[] bytes = in.readNBytes(max + 1);
    if (bytes.length > max) {
      throw tooLarge();
    }
    return bytes;
  }

  private static Problem tooLarge() {
    return new Problem(413, "body-too-large", "Body too large", "the body must be at most " + JsonBody.MAX_BYTES + " bytes");
  }

  // ---- writing answers -----------------------------------------------------------------------

  static void writeProblem(HttpServletResponse resp, Problem p, String instance) throws IOException {
    ObjectNode node = JsonBody.MAPPER.createObjectNode();
    node.put("type", PROBLEM_TYPE_PREFIX + p.type());
    node.put("title", p.title());
    node.put("status", p.status());
    node.put("detail", p.detail());
    node.put("instance", instance);
    for (Map.Entry<String, Object> e : p.extensions().entrySet()) {
      node.set(e.getKey(), JsonBody.MAPPER.valueToTree(e.getValue()));
    }
    if (p.status() == 401) {
      resp.setHeader("WWW-Authenticate", "Bearer realm=\"switchover-admin\"");
    }
    Object retryAfter = p.extensions().get("retryAfterSeconds");
    if (retryAfter != null) {
      resp.setHeader("Retry-After", retryAfter.toString());
    }
    Object allow = p.extensions().get("allow");
    if (allow != null) {
      resp.setHeader("Allow", allow.toString());
    }
    if (p.status() == 413 || p.status() == 415 || p.status() == 400) {
      // The unread rest of a refused body must not be taken for a next request.
      resp.setHeader("Connection", "close");
    }
    resp.setStatus(p.status());
    write(resp, PROBLEM_JSON, node);
  }

  private static void write(HttpServletResponse resp, String contentType, JsonNode body) throws IOException {
    byte[] bytes = JsonBody.MAPPER.writeValueAsBytes(body);
    resp.setContentType(contentType);
    resp.setCharacterEncoding("UTF-8");
    resp.setContentLength(bytes.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(bytes);
    }
  }
}
