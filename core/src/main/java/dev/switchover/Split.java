package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A weighted canary on a route: a share of its traffic, measured in basis points (hundredths of a
 * percent), goes to a second workspace, the canary, and the rest to the route's own workspace.
 *
 * <p>Which side a request takes depends only on its <em>sticky key</em> (a cookie the adapter sets,
 * a header, or the client's address) and the canary: the key falls into one of 10,000 buckets by
 * a fixed hash salted with the canary's name, the same on every router and in every JVM, and the
 * buckets below the weight go to the canary.
 * So a client stays on its side while the weight holds, and raising the weight only moves clients
 * from the route's workspace to the canary, never one back. Immutable and thread-safe.
 *
 * <pre>{@code
 * router.split(HostName.parse("shop.example.com"), Split.ofPercent(WorkspaceId.of("green"), 10));
 * }</pre>
 */
public final class Split {
  /** The whole traffic of a route, in basis points. */
  public static final int ALL = 10_000;

  private static final Base64.Encoder KEYS = Base64.getUrlEncoder().withoutPadding();

  private final WorkspaceId canary;
  private final int basisPoints;

  private Split(WorkspaceId canary, int basisPoints) {
    this.canary = canary;
    this.basisPoints = basisPoints;
  }

  /**
   * Sends {@code basisPoints} ten-thousandths of a route's traffic to {@code canary}: 1,000 is 10%.
   *
   * @throws IllegalArgumentException if the weight is not within 0 to {@link #ALL}
   */
  public static Split of(WorkspaceId canary, int basisPoints) {
    checkNotNull(canary, "canary");
    checkArgument(
        basisPoints >= 0 && basisPoints <= ALL,
        "a split's weight is 0 to %s basis points (0 to 100 percent), but was %s",
        ALL,
        basisPoints);
    return new Split(canary, basisPoints);
  }

  /**
   * Sends {@code percent} percent of a route's traffic to {@code canary}, rounded to a basis point.
   *
   * @throws IllegalArgumentException if the percentage is not within 0 to 100
   */
  public static Split ofPercent(WorkspaceId canary, double percent) {
    checkArgument(
        percent >= 0 && percent <= 100, "a split's weight is 0 to 100 percent, but was %s", percent);
    return of(canary, (int) Math.round(percent * 100));
  }

  /** The workspace that takes the split-off share. */
  public WorkspaceId canary() {
    return canary;
  }

  /** The canary's share, in basis points: 0 to {@link #ALL}. */
  public int basisPoints() {
    return basisPoints;
  }

  /** The canary's share, in percent. */
  public double percent() {
    return basisPoints / 100.0;
  }

  /** The same canary with another weight. */
  public Split withBasisPoints(int newBasisPoints) {
    return newBasisPoints == basisPoints ? this : of(canary, newBasisPoints);
  }

  /** Whether a request with this sticky key goes to the canary. Allocates nothing. */
  public boolean choosesCanary(CharSequence stickyKey) {
    return bucketOf(stickyKey) < basisPoints;
  }

  /**
   * The bucket, 0 to 9,999, a sticky key falls into for this split's canary: a fixed 64-bit hash
   * of the canary's name and the key's characters, the same on every router and in every JVM.
   * Salted by the canary, so that each release's canary draws its own clients, not the same few
   * every time. Allocates nothing.
   */
  public int bucketOf(CharSequence stickyKey) {
    checkNotNull(stickyKey, "stickyKey");
    long h = 0xcbf29ce484222325L; // FNV-1a over the UTF-16 code units, then a full avalanche
    String salt = canary.name();
    for (int i = 0, n = salt.length(); i < n; i++) {
      h = (h ^ salt.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ 0xffff) * 0x100000001b3L; // no workspace name holds U+FFFF: name and key stay apart
    for (int i = 0, n = stickyKey.length(); i < n; i++) {
      h = (h ^ stickyKey.charAt(i)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, ALL);
  }

  /**
   * A new random sticky key, for a client that sent none: 128 bits, in the 22 characters of
   * URL-safe Base64, fit for a cookie value.
   */
  public static String newStickyKey() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return KEYS.encodeToString(bytes);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Split other && canary.equals(other.canary) && basisPoints == other.basisPoints;
  }

  @Override
  public int hashCode() {
    return Objects.hash(canary, basisPoints);
  }

  /** For example {@code 12.5% to green}. */
  @Override
  public String toString() {
    String whole = Integer.toString(basisPoints / 100);
    int rest = basisPoints % 100;
    String fraction = rest == 0 ? "" : rest % 10 == 0 ? "." + rest / 10 : "." + (rest < 10 ? "0" : "") + rest;
    return whole + fraction + "% to " + canary;
  }
}
