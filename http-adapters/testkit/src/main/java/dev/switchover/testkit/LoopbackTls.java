package dev.switchover.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The key pair a router server under test presents over TLS ({@link Transport#H2_TLS}): a
 * self-signed EC certificate for {@code localhost}, {@code shop.example.com}, {@code
 * other.example.com} and {@code 127.0.0.1}, in a PKCS12 key store shipped with the testkit. For
 * loopback tests only: its private key is public.
 */
public final class LoopbackTls {
  /** The password of the key store and of its key. */
  public static final String PASSWORD = "switchover-test";

  private static final String RESOURCE = "loopback-tls.p12";

  private LoopbackTls() {}

  /** A new copy of the key store. */
  public static KeyStore keyStore() {
    try (InputStream in = LoopbackTls.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the testkit's " + RESOURCE + " is missing from its jar");
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the testkit's " + RESOURCE, e);
    }
  }

  /** A server-side TLS context that presents the key pair. */
  public static SSLContext serverContext() {
    try {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(keyStore(), PASSWORD.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a TLS context of the testkit's key store", e);
    }
  }

  /**
   * A client-side TLS context that trusts the key pair's certificate (and nothing else): what a
   * router uses to reach an upstream that presents it.
   */
  public static SSLContext clientContext() {
    try {
      KeyStore keys = keyStore();
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      for (String alias : Collections.list(keys.aliases())) {
        Certificate certificate = keys.getCertificate(alias);
        if (certificate != null) {
          trusted.setCertificateEntry(alias, certificate);
        }
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a trusting TLS context of the testkit's key store", e);
    }
  }
}
