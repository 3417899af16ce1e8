package dev.switchover.admin;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.switchover.HostName;
import dev.switchover.PreviewTokens;
import dev.switchover.Router;
import dev.switchover.verification.VerificationSchedule;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The admin API over one {@link Router}: what the operator may read and change, who may do it, and
 * the audit trail of who did. Serve it with an {@link AdminServlet} in the host application's
 * servlet container, or with an {@link AdminServer} on a listener of its own.
 *
 * <p>Every write is a compare-and-set on the revision the operator saw ({@code If-Match} or a
 * {@code revision} field): a stale one is refused with 409 and changes nothing. Callers present a
 * bearer token; each token has a name (who the audit says made a change) and a {@link Role}. An API
 * without tokens answers only requests from and to the loopback interface. Each write is made
 * {@linkplain Router#actingAs as} the caller, so the table it publishes names who made it: on a
 * fleet sharing a store, every router's history tells who made each revision. Thread-safe.
 *
 * <pre>{@code
 * AdminApi api = AdminApi.builder()
 *     .router(router)
 *     .verification(schedule)                        // optional: add and check domains
 *     .token("alice", Role.OPERATOR, aliceSecret)
 *     .token("dashboard", Role.READ_ONLY, dashboardSecret)
 *     .build();
 * AdminServer server = AdminServer.builder(api).port(8081).build().start();
 * }</pre>
 */
public final class AdminApi {
  /** Failed authentications from one address in a window before it is refused for the rest of it. */
  static final int DEFAULT_FAILED_AUTH_LIMIT = 10;

  static final Duration DEFAULT_FAILED_AUTH_WINDOW = Duration.ofMinutes(1);

  static final int AUDIT_SIZE = 1000;

  final Router router;
  final @Nullable VerificationSchedule schedule;
  final Tokens tokens;
  final FailedAuthLimiter limiter;
  final AuditLog audit;
  final Clock clock;
  final Views views;
  final @Nullable PreviewTokens previews;

  private AdminApi(Builder b, Router router) {
    this.router = router;
    this.previews = b.previews;
    this.schedule = b.schedule;
    this.tokens = new Tokens(b.tokens);
    this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
    this.limiter =
        new FailedAuthLimiter(clock, b.failedAuthLimit < 0 ? DEFAULT_FAILED_AUTH_LIMIT : b.failedAuthLimit, b.failedAuthWindow);
    this.audit = new AuditLog(AUDIT_SIZE);
    VerificationSchedule s = schedule;
    this.views =
        new Views(
            router,
            d -> s == null ? Optional.empty() : s.status(d),
            d -> s == null ? null : s.challenge(d).orElse(null),
            audit);
  }

  /** A builder; give at least the router. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether callers must present a token; without tokens only loopback requests are answered. */
  public boolean requiresTokens() {
    return !tokens.isEmpty();
  }

  @Override
  public String toString() {
    return "AdminApi{revision=" + router.current().revision() + ", tokens=" + (tokens.isEmpty() ? "none" : "required") + "}";
  }

  /** Builds an {@link AdminApi}; each setter but {@link #token} may be called once. */
  public static final class Builder {
    private @Nullable Router router;
    private @Nullable VerificationSchedule schedule;
    private @Nullable PreviewTokens previews;
    private final List<Tokens.Token> tokens = new ArrayList<>();
    private final Set<String> tokenNames = new HashSet<>();
    private @Nullable Clock clock;
    private int failedAuthLimit = -1;
    private Duration failedAuthWindow = DEFAULT_FAILED_AUTH_WINDOW;

    private Builder() {}

    /** The router the API reads and writes. Required. */
    public Builder router(Router r) {
      checkNotNull(r, "router");
      checkState(router == null, "router was already set");
      this.router = r;
      return this;
    }

    /**
     * The verification schedule through which the API adds domains (issuing their challenges) and
     * checks them; it must apply its results to the same router. Without it, adding and checking a
     * domain answer 501. On a fleet, give each router's API a schedule over the shared
     * verification store, so that a domain added through one router can be checked through any.
     */
    public Builder verification(VerificationSchedule verification) {
      checkNotNull(verification, "verification");
      checkState(schedule == null, "verification was already set");
      this.schedule = verification;
      return this;
    }

    /**
     * The preview tokens the adapters route by, so that operators mint them through {@code POST
     * api/previews}; without them that request answers 501.
     */
    public Builder previewTokens(PreviewTokens tokens) {
      checkNotNull(tokens, "tokens");
      checkState(previews == null, "previewTokens was already set");
      this.previews = tokens;
      return this;
    }

    /**
     * Accepts a bearer token: {@code name} is who the audit says made a change, {@code secret} what
     * the caller presents in {@code Authorization: Bearer <secret>}.
     *
     * @throws IllegalArgumentException if the name is blank, taken or holds a control character, or the secret is shorter than
     *     24 characters or contains other than visible ASCII
     */
    public Builder token(String name, Role role, String secret) {
      checkNotNull(name, "name");
      checkNotNull(role, "role");
      checkNotNull(secret, "secret");
      checkArgument(!name.isBlank() && name.length() <= 64, "a token's name must be 1 to 64 characters, but was \"%s\"", name);
      // The name is who each write is made for (Router.actingAs): a line of the audit and history.
      checkArgument(
          name.chars().noneMatch(Character::isISOControl),
          "a token's name must not hold control characters (tabs, line breaks...), but was \"%s\"",
          name.replaceAll("\\p{Cntrl}", "?"));
      checkArgument(secret.length() >= 24, "the secret of token \"%s\" must be at least 24 characters, but has %s", name, secret.length());
      checkArgument(
          secret.chars().allMatch(c -> c > 0x20 && c < 0x7f),
          "the secret of token \"%s\" must be visible ASCII (what a bearer header can carry)",
          name);
      checkArgument(tokenNames.add(name), "a token named \"%s\" was already given", name);
      tokens.add(new Tokens.Token(name, role, Tokens.digest(secret)));
      return this;
    }

    /** The clock for the audit trail and the failed-authentication window; default UTC. */
    public Builder clock(Clock c) {
      checkNotNull(c, "clock");
      checkState(clock == null, "clock was already set");
      this.clock = c;
      return this;
    }

    /**
     * How many failed authentications one client address may make in {@code window} before every
     * request from it is refused (429) for the rest of the window; default 10 a minute.
     */
    public Builder failedAuthenticationLimit(int failures, Duration window) {
      checkArgument(failures >= 1, "the limit must be at least 1, but was %s", failures);
      checkNotNull(window, "window");
      checkArgument(!window.isNegative() && !window.isZero(), "the window must be positive, but was %s", window);
      checkState(failedAuthLimit < 0, "failedAuthenticationLimit was already set");
      this.failedAuthLimit = failures;
      this.failedAuthWindow = window;
      return this;
    }

    /**
     * Builds the API.
     *
     * @throws IllegalStateException if no router was given
     */
    public AdminApi build() {
      Router r = router;
      checkState(r != null, "give the router");
      return new AdminApi(this, r);
    }
  }
}
