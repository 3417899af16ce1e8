package dev.switchover.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.Router;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone listener with a key store the host application supplies: HTTPS only. */
final class HttpsTest {
  private static final char[] PASSWORD = "changeit-admin".toCharArray();

  @Test
  void keyStore_servesTheApiOverHttps(@TempDir Path dir) throws Exception {
    Path keyStore = dir.resolve("admin.p12");
    Process keytool = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "admin", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
            "-storetype", "PKCS12", "-keystore", keyStore.toString(),
            "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
        .redirectErrorStream(true)
        .start();
    String output = new String(keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(keytool.waitFor(2, TimeUnit.MINUTES), "keytool did not finish");
    assertEquals(0, keytool.exitValue(), output);

    Router router = Router.create(AdminFixture.blueGreen());
    AdminApi api = AdminApi.builder().router(router).token("alice", Role.OPERATOR, AdminFixture.OPERATOR_SECRET).build();
    try (AdminServer server = AdminServer.builder(api).port(0).keyStore(keyStore, PASSWORD).build().start()) {
      assertEquals("https", server.uri().getScheme());
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keyStore)) {
        trusted.load(in, PASSWORD);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(server.uri().resolve("api/table")).header("Authorization", "Bearer " + AdminFixture.OPERATOR_SECRET).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"revision\":1"), r.body());
    }
  }
}
