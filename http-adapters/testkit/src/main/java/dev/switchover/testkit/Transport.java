package dev.switchover.testkit;

/** How the router server under test accepts connections: {@link RouterServerSpec#transport()}. */
public enum Transport {
  /** Cleartext HTTP/1.1 only: what most of the suite speaks. */
  HTTP_1_1,
  /**
   * Cleartext HTTP/1.1 and HTTP/2 on the same port: HTTP/2 with prior knowledge (the connection
   * preface first) and by an HTTP/1.1 {@code Upgrade: h2c}.
   */
  H2C,
  /**
   * TLS with the key store of {@link LoopbackTls}, HTTP/2 and HTTP/1.1 chosen by ALPN (h2
   * preferred).
   */
  H2_TLS
}
