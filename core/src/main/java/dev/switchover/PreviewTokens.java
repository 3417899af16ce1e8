package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Signed preview tokens: a token names a domain, a workspace and an expiry, and a request for that
 * domain that carries it is routed to that workspace instead of production ({@link
 * Router#admit(CharSequence, CharSequence, PreviewTokens, CharSequence)}), so a tester sees the
 * next version on the real domain before the switch.
 *
 * <p>Tokens are signed with HMAC-SHA256. Two keys may be active, so that keys rotate without
 * cutting testers off: the signing key, which mints, and one previous key, which still verifies.
 * Each key has an id, carried in the token, so verification tries one key. A token is {@code
 * v1.<key id>.<payload>.<signature>} (base64url); it is a bearer credential for previews only, and
 * grants nothing else. A token that is malformed, signed by no active key, expired, or for another
 * domain is not valid: {@link #verify} answers null and the request is routed as any other.
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * PreviewTokens previews = PreviewTokens.builder().signingKey("k2", secret32Bytes).build();
 * String token = previews.mint(HostName.parse("shop.example.com"), WorkspaceId.of("green"), Duration.ofHours(8));
 * // curl -H "Switchover-Preview: <token>" https://shop.example.com/   -> served by green
 * }</pre>
 */
public final class PreviewTokens {
  /** The longest a token may live: a leaked token previews at most this long (or until its key goes). */
  public static final Duration MAX_TTL = Duration.ofDays(30);
  /** The shortest key accepted, in bytes: HMAC-SHA256's output size. */
  public static final int MIN_KEY_BYTES = 32;
  /** The longest token text looked at; a longer one is not valid, unread. */
  static final int MAX_TOKEN_LENGTH = 1024;

  private static final String VERSION = "v1";
  private static final String ALGORITHM = "HmacSHA256";
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final Key signing;
  private final @Nullable Key previous;
  private final Clock clock;

  private PreviewTokens(Key signing, @Nullable Key previous, Clock clock) {
    this.signing = signing;
    this.previous = previous;
    this.clock = clock;
  }

  /** A builder; a signing key is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A token for {@code domain} and {@code workspace}, valid for {@code ttl} (rounded down to whole
   * seconds), signed with the signing key.
   *
   * @throws IllegalArgumentException if {@code ttl} is under a second or over {@link #MAX_TTL}, or
   *     {@code domain} is a wildcard
   */
  public String mint(HostName domain, WorkspaceId workspace, Duration ttl) {
    checkNotNull(domain, "domain");
    checkNotNull(workspace, "workspace");
    checkNotNull(ttl, "ttl");
    checkArgument(!domain.isWildcard(), "a preview token names one domain, not a wildcard: %s", domain);
    checkArgument(
        ttl.toSeconds() >= 1 && ttl.compareTo(MAX_TTL) <= 0,
        "a preview token lives from 1 second to %s, not %s",
        MAX_TTL,
        ttl);
    long expires = clock.instant().getEpochSecond() + ttl.toSeconds();
    String payload = B64.encodeToString((domain + "\n" + workspace.name() + "\n" + expires).getBytes(UTF_8));
    String signed = VERSION + "." + signing.id + "." + payload;
    return signed + "." + B64.encodeToString(signing.sign(signed));
  }

  /** Mints by names; see {@link #mint(HostName, WorkspaceId, Duration)}. */
  public String mint(String domain, String workspace, Duration ttl) {
    checkNotNull(domain, "domain");
    checkNotNull(workspace, "workspace");
    return mint(HostName.parse(domain), WorkspaceId.of(workspace), ttl);
  }

  /**
   * What {@code token} says, if it is valid now: well formed, signed by an active key, not
   * expired. Null otherwise, whatever is wrong with it; never throws for bad input.
   */
  public @Nullable PreviewToken verify(CharSequence token) {
    checkNotNull(token, "token");
    if (token.length() > MAX_TOKEN_LENGTH) {
      return null;
    }
    String text = token.toString();
    int a = text.indexOf('.');
    int b = a < 0 ? -1 : text.indexOf('.', a + 1);
    int c = b < 0 ? -1 : text.indexOf('.', b + 1);
    if (c < 0 || text.indexOf('.', c + 1) >= 0 || !text.substring(0, a).equals(VERSION)) {
      return null;
    }
    Key key = keyOf(text.substring(a + 1, b));
    if (key == null) {
      return null;
    }
    byte[] mac;
    String[] fields;
    try {
      mac = B64D.decode(text.substring(c + 1));
      fields = new String(B64D.decode(text.substring(b + 1, c)), UTF_8).split("\n", -1);
    } catch (IllegalArgumentException e) {
      return null; // not base64url
    }
    if (!MessageDigest.isEqual(mac, key.sign(text.substring(0, c))) || fields.length != 3) {
      return null;
    }
    // One spelling per token: the decoder would also take padding and other unused low bits.
    if (!B64.encodeToString(mac).contentEquals(text.subSequence(c + 1, text.length()))) {
      return null;
    }
    try {
      Instant expires = Instant.ofEpochSecond(Long.parseLong(fields[2]));
      if (!clock.instant().isBefore(expires)) {
        return null;
      }
      return new PreviewToken(HostName.parse(fields[0]), WorkspaceId.of(fields[1]), expires);
    } catch (RuntimeException e) {
      return null; // signed, so only a key shared with another minting format could get here
    }
  }

  /**
   * What {@code token} says if it is valid now for a request to {@code host} (a host as the server
   * parsed it, with or without a port); null if it is not valid, or is for another domain.
   */
  public @Nullable PreviewToken verify(CharSequence token, CharSequence host) {
    checkNotNull(host, "host");
    PreviewToken t = verify(token);
    if (t == null) {
      return null;
    }
    try {
      return HostName.parse(host.toString()).equals(t.domain()) ? t : null;
    } catch (IllegalArgumentException e) {
      return null; // a host that is no host name cannot be the token's domain
    }
  }

  private @Nullable Key keyOf(String id) {
    if (signing.id.equals(id)) {
      return signing;
    }
    Key p = previous;
    return p != null && p.id.equals(id) ? p : null;
  }

  /** Names the keys, never their bytes. */
  @Override
  public String toString() {
    Key p = previous;
    return "PreviewTokens{signing=" + signing.id + (p == null ? "" : ", previous=" + p.id) + "}";
  }

  /** One HMAC key and its id. */
  private static final class Key {
    final String id;
    private final SecretKeySpec spec;

    Key(String id, byte[] secret) {
      this.id = id;
      this.spec = new SecretKeySpec(secret, ALGORITHM);
    }

    byte[] sign(String text) {
      try {
        Mac mac = Mac.getInstance(ALGORITHM);
        mac.init(spec);
        return mac.doFinal(text.getBytes(UTF_8));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("every Java runtime has " + ALGORITHM, e);
      }
    }
  }

  /** Builds {@link PreviewTokens}; each setting may be set once. Not thread-safe. */
  public static final class Builder {
    private @Nullable Key signing;
    private @Nullable Key previous;
    private @Nullable Clock clock;

    private Builder() {}

    /**
     * The key that signs new tokens (and verifies them), at least {@link #MIN_KEY_BYTES} random
     * bytes; its id ({@code [A-Za-z0-9_-]}, 1 to 32 characters) is carried in each token. The bytes
     * are copied.
     */
    public Builder signingKey(String id, byte[] secret) {
      checkState(signing == null, "the signing key was already set to %s", signing == null ? null : signing.id);
      this.signing = key(id, secret);
      return this;
    }

    /**
     * The previous signing key, which still verifies the tokens it signed while a rotation runs.
     * At most one: two keys are active at a time.
     */
    public Builder previousKey(String id, byte[] secret) {
      checkState(previous == null, "the previous key was already set to %s", previous == null ? null : previous.id);
      this.previous = key(id, secret);
      return this;
    }

    /** The clock expiry is read from; the system's UTC clock by default. */
    public Builder clock(Clock c) {
      checkNotNull(c, "c");
      checkState(clock == null, "the clock was already set");
      this.clock = c;
      return this;
    }

    private static Key key(String id, byte[] secret) {
      checkNotNull(id, "id");
      checkNotNull(secret, "secret");
      checkArgument(KEY_ID.matcher(id).matches(), "a key id is 1 to 32 of A-Z, a-z, 0-9, '_' and '-', not '%s'", id);
      checkArgument(
          secret.length >= MIN_KEY_BYTES,
          "a preview key needs at least %s bytes, but key %s has %s",
          MIN_KEY_BYTES,
          id,
          secret.length);
      return new Key(id, Arrays.copyOf(secret, secret.length));
    }

    /**
     * The tokens.
     *
     * @throws IllegalStateException if no signing key was set, or the previous key has its id
     */
    public PreviewTokens build() {
      Key s = signing;
      checkState(s != null, "a signing key is required");
      Key p = previous;
      checkState(p == null || !p.id.equals(s.id), "the previous key must have another id than the signing key (%s)", s.id);
      return new PreviewTokens(s, p, clock == null ? Clock.systemUTC() : clock);
    }
  }
}
