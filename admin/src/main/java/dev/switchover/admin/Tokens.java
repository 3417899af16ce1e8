package dev.switchover.admin;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.collect.ImmutableList;
import com.google.common.hash.Hashing;
import java.security.MessageDigest;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The configured bearer tokens. A presented token is compared with every configured one, each in
 * constant time over SHA-256 digests (equal lengths whatever was presented), so that neither the
 * time of a comparison nor which token matched leaks what the secrets are.
 */
final class Tokens {
  /** A named token: the name is who the audit says made a change. */
  static final class Token {
    private final String name;
    private final Role role;
    private final byte[] digest;

    Token(String name, Role role, byte[] digest) {
      this.name = name;
      this.role = role;
      this.digest = digest.clone();
    }

    String name() {
      return name;
    }

    Role role() {
      return role;
    }

    @Override
    public String toString() {
      return "Token{" + name + ", " + role + "}"; // never the digest
    }
  }

  private final ImmutableList<Token> tokens;

  Tokens(List<Token> tokens) {
    this.tokens = ImmutableList.copyOf(tokens);
  }

  static byte[] digest(String secret) {
    return Hashing.sha256().hashString(secret, UTF_8).asBytes();
  }

  boolean isEmpty() {
    return tokens.isEmpty();
  }

  /** The token whose secret is {@code presented}, or null. Looks at every token whatever matches. */
  @Nullable Token match(String presented) {
    byte[] digest = digest(presented);
    Token found = null;
    for (Token t : tokens) {
      if (MessageDigest.isEqual(t.digest, digest) && found == null) {
        found = t;
      }
    }
    return found;
  }
}
