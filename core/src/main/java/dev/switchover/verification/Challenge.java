package dev.switchover.verification;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.net.InternetDomainName;
import dev.switchover.HostName;
import java.net.IDN;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the owner of a domain must publish to prove control of it: a random token, as a DNS TXT
 * record or, for a plain (non-wildcard) domain whose DNS the owner cannot edit, as an HTTP
 * resource.
 *
 * <ul>
 *   <li>DNS: a TXT record named {@link #recordName()} ({@code _switchover-challenge.<domain>}; for
 *       a wildcard {@code *.example.com}, at {@code _switchover-challenge.example.com}) whose value
 *       is {@link #recordValue()} ({@code switchover-verification=<token>}).
 *   <li>HTTP: {@link #httpUrl()} ({@code http://<domain>/.well-known/switchover-challenge/<id>})
 *       answering {@code 200} with the body {@link #recordValue()}. The id in the URL and the token
 *       in the body are separate random values, so a server that echoes the request path back
 *       cannot pass.
 * </ul>
 *
 * <p>The domain is normalized as routing normalizes it ({@link HostName#parse}), so a challenge
 * for {@code Shop.Example.COM.} is the challenge for {@code shop.example.com}. Public suffixes
 * ({@code com}, {@code co.uk}, {@code github.io}…) are refused. Ids and tokens are at least 128
 * bits of randomness written in lower-case base32 ({@code a-z}, {@code 2-7}), safe in DNS and
 * URLs. Immutable and thread-safe.
 *
 * <pre>{@code
 * Challenge c = verifier.challenge("shop.example.com");
 * c.recordName();   // "_switchover-challenge.shop.example.com"
 * c.recordValue();  // "switchover-verification=3f7..."
 * }</pre>
 */
public final class Challenge {
  /** The label a TXT challenge record is published under. */
  public static final String RECORD_LABEL = "_switchover-challenge";
  /** What a record value (and an HTTP body) starts with, before the token. */
  public static final String VALUE_PREFIX = "switchover-verification=";
  /** The path an HTTP token is served under, before the id. */
  public static final String HTTP_PATH_PREFIX = "/.well-known/switchover-challenge/";

  /** Fewest characters of an id or token: 26 base32 characters carry 130 bits. */
  static final int MIN_RANDOM_LENGTH = 26;
  static final int MAX_RANDOM_LENGTH = 64;

  /** How a challenge is proved. */
  public enum Method {
    /** A TXT record at {@link Challenge#recordName()}, looked up at the configured resolvers. */
    DNS_TXT,
    /** An HTTP resource at {@link Challenge#httpUrl()}; not for wildcards. */
    HTTP_TOKEN
  }

  private final HostName domain;
  private final String id;
  private final String token;
  private final Instant issuedAt;

  private Challenge(HostName domain, String id, String token, Instant issuedAt) {
    this.domain = domain;
    this.id = id;
    this.token = token;
    this.issuedAt = issuedAt;
  }

  /**
   * A challenge with these parts: to restore one that was issued earlier and stored. New
   * challenges come from {@link DomainVerifier#challenge}.
   *
   * @throws IllegalArgumentException if the domain is a public suffix, or the id or the token is
   *     not 26 to 64 characters of lower-case base32
   */
  public static Challenge of(HostName domain, String id, String token, Instant issuedAt) {
    checkNotNull(domain, "domain");
    checkNotNull(id, "id");
    checkNotNull(token, "token");
    checkNotNull(issuedAt, "issuedAt");
    String problem = publicSuffixProblem(domain);
    checkArgument(problem == null, "cannot verify %s: %s", domain, problem);
    checkRandom("id", id);
    checkRandom("token", token);
    return new Challenge(domain, id, token, issuedAt);
  }

  /** The domain (or wildcard) this challenge proves, normalized. */
  public HostName domain() {
    return domain;
  }

  /** The random id in the HTTP token's path. */
  public String id() {
    return id;
  }

  /** The random token the owner publishes. */
  public String token() {
    return token;
  }

  /** When the challenge was issued. */
  public Instant issuedAt() {
    return issuedAt;
  }

  /**
   * The name of the TXT record to create: {@code _switchover-challenge.<domain>}, or, for {@code
   * *.example.com}, {@code _switchover-challenge.example.com}.
   */
  public String recordName() {
    return RECORD_LABEL + "." + domain.parent();
  }

  /** The value of the TXT record to create, and the body of the HTTP token. */
  public String recordValue() {
    return VALUE_PREFIX + token;
  }

  /** The path the HTTP token is served at: {@code /.well-known/switchover-challenge/<id>}. */
  public String httpPath() {
    return HTTP_PATH_PREFIX + id;
  }

  /**
   * Where the HTTP token is fetched: {@code http://<domain>/.well-known/switchover-challenge/<id>};
   * empty for a wildcard, which only DNS can prove (no single host serves every name under it).
   */
  public Optional<URI> httpUrl() {
    return domain.isWildcard() ? Optional.empty() : Optional.of(URI.create("http://" + domain + httpPath()));
  }

  /** Whether this challenge can be proved by {@code method}. */
  public boolean supports(Method method) {
    checkNotNull(method, "method");
    return method == Method.DNS_TXT || !domain.isWildcard();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Challenge other
        && other.domain.equals(domain)
        && other.id.equals(id)
        && other.token.equals(token)
        && other.issuedAt.equals(issuedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(domain, id, token, issuedAt);
  }

  @Override
  public String toString() {
    return "Challenge{" + domain + ", record " + recordName() + " = " + recordValue() + ", id " + id
        + ", issued " + issuedAt + "}";
  }

  /**
   * Why a name cannot be verified because it is a public suffix (or a wildcard over one), or null.
   * Both the ICANN and the private sections of the public suffix list count: {@code github.io}
   * belongs to no single owner either.
   */
  static @Nullable String publicSuffixProblem(HostName domain) {
    String name = domain.parent().toString();
    String unicode;
    try {
      unicode = IDN.toUnicode(name, IDN.ALLOW_UNASSIGNED);
    } catch (IllegalArgumentException e) {
      unicode = name;
    }
    for (String form : new String[] {name, unicode}) {
      if (InternetDomainName.isValid(form)) {
        InternetDomainName parsed = InternetDomainName.from(form);
        if (parsed.isPublicSuffix() || parsed.isRegistrySuffix()) {
          return (domain.isWildcard() ? "a wildcard over " + name + ", which" : name)
              + " is a public suffix: names under it belong to different owners";
        }
      }
    }
    return null;
  }

  private static void checkRandom(String what, String value) {
    checkArgument(
        value.length() >= MIN_RANDOM_LENGTH && value.length() <= MAX_RANDOM_LENGTH,
        "a challenge %s must have %s to %s characters, but \"%s\" has %s",
        what, MIN_RANDOM_LENGTH, MAX_RANDOM_LENGTH, value, value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      checkArgument(
          (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'),
          "a challenge %s is lower-case base32 (a-z, 2-7), but \"%s\" contains '%s'",
          what, value, c);
    }
  }
}
