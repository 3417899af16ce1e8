package dev.switchover.verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.verification.Challenge.Method;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DNS checks against real dnsmasq servers on loopback ports. */
final class DnsVerificationTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final MutableClock clock = new MutableClock(START);
  private final List<AutoCloseable> servers = new ArrayList<>();

  @AfterEach
  void stopServers() throws Exception {
    for (AutoCloseable s : servers) {
      s.close();
    }
  }

  @Test
  void check_recordWithToken_isVerifiedForTheValidity() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq dns = dnsmasq("--txt-record=" + challenge.recordName() + "," + challenge.recordValue());

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(HostName.parse("shop.example.com"), v.domain());
    assertEquals(START, v.verifiedAt().orElseThrow());
    assertEquals(START.plus(Duration.ofDays(7)), v.validUntil().orElseThrow());
    assertTrue(v.reason().contains("found TXT record \"" + challenge.recordValue() + "\""), v.reason());
  }

  @Test
  void check_wrongToken_failsSayingWhatWasExpectedAndFound() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq dns = dnsmasq("--txt-record=" + challenge.recordName() + ",switchover-verification=someoneelse");

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("wrong token: expected TXT record \"" + challenge.recordValue() + "\" at _switchover-challenge.shop.example.com"), v.reason());
    assertTrue(v.reason().contains("found \"switchover-verification=someoneelse\""), v.reason());
    assertTrue(v.verifiedAt().isEmpty());
  }

  @Test
  void check_noRecord_failsWithNoRecord() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq dns = dnsmasq(); // authoritative for example.com: the name is NXDOMAIN

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("no record: expected TXT record"), v.reason());
    assertTrue(v.reason().contains("found no TXT record"), v.reason());
  }

  @Test
  void check_multiStringRecord_isConcatenated() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    String value = challenge.recordValue();
    int half = value.length() / 2;
    Dnsmasq dns =
        dnsmasq("--txt-record=" + challenge.recordName() + "," + value.substring(0, half) + "," + value.substring(half));

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
  }

  @Test
  void check_severalRecordsOneMatching_isVerified() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq dns =
        dnsmasq(
            "--txt-record=" + challenge.recordName() + ",v=spf1 -all",
            "--txt-record=" + challenge.recordName() + ",switchover-verification=anoldtoken",
            "--txt-record=" + challenge.recordName() + "," + challenge.recordValue());

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
  }

  @Test
  void check_severalRecordsNoneMatching_failsListingWhatWasFound() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq dns =
        dnsmasq(
            "--txt-record=" + challenge.recordName() + ",v=spf1 -all",
            "--txt-record=" + challenge.recordName() + ",switchover-verification=anoldtoken");

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().contains("\"v=spf1 -all\""), v.reason());
    assertTrue(v.reason().contains("\"switchover-verification=anoldtoken\""), v.reason());
  }

  @Test
  void check_cnameChain_isFollowed() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    // The owner delegates the challenge name to a record kept elsewhere, through two CNAMEs.
    Dnsmasq dns =
        dnsmasq(
            "--txt-record=challenges.example.org," + challenge.recordValue(),
            "--cname=shop.challenges.example.net,challenges.example.org",
            "--cname=" + challenge.recordName() + ",shop.challenges.example.net");

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
  }

  @Test
  void check_cnameToNameWithoutTxt_failsWithNoRecord() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq dns =
        dnsmasq(
            "--host-record=target.example.net,192.0.2.1",
            "--cname=" + challenge.recordName() + ",target.example.net");

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("no record:"), v.reason());
  }

  @Test
  void check_upperCaseAndTrailingDotInConfiguredDomain_provesTheNormalizedName() throws Exception {
    Challenge challenge = verifierFor().challenge("SHOP.Example.COM.");
    assertEquals("_switchover-challenge.shop.example.com", challenge.recordName());
    // DNS names are case-insensitive: the owner may well publish it in another case.
    Dnsmasq dns = dnsmasq("--txt-record=_Switchover-Challenge.Shop.EXAMPLE.com," + challenge.recordValue());

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(HostName.parse("shop.example.com"), v.domain());
  }

  @Test
  void check_wildcard_isProvedAtTheParentsChallengeName() throws Exception {
    Challenge challenge = verifierFor().challenge("*.example.com");
    assertEquals("_switchover-challenge.example.com", challenge.recordName());
    Dnsmasq dns = dnsmasq("--txt-record=_switchover-challenge.example.com," + challenge.recordValue());

    Verification v = verifier(dns).check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(HostName.parse("*.example.com"), v.domain());
  }

  @Test
  void check_resolverThatNeverAnswers_failsWithTimeoutWithinTheDeadline() throws Exception {
    // A bound UDP socket that nobody reads: queries arrive and are never answered.
    DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    servers.add(silent);
    DomainVerifier verifier =
        DomainVerifier.builder()
            .resolvers((InetSocketAddress) silent.getLocalSocketAddress())
            .timeout(Duration.ofMillis(300))
            .clock(clock)
            .build();
    Challenge challenge = verifier.challenge("shop.example.com");

    // A hang guard, far above the 300 ms timeout; it measures nothing finer.
    Verification v = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> verifier.check(challenge, Method.DNS_TXT));

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("timeout:"), v.reason());
    assertTrue(v.reason().contains("did not answer within 300 ms"), v.reason());
  }

  @Test
  void check_twoResolversDisagreeUnderQuorumOfTwo_fails() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq right = dnsmasq("--txt-record=" + challenge.recordName() + "," + challenge.recordValue());
    Dnsmasq wrong = dnsmasq("--txt-record=" + challenge.recordName() + ",switchover-verification=attacker");
    DomainVerifier verifier =
        DomainVerifier.builder().resolvers(right.address(), wrong.address()).quorum(2).timeout(TIMEOUT).clock(clock).build();

    Verification v = verifier.check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("resolvers disagree:"), v.reason());
    assertTrue(v.reason().contains("at 2 of 2 resolvers, found at 1"), v.reason());
    assertTrue(v.reason().contains(UntrustedText.address(right.address()) + " found it"), v.reason());
    assertTrue(v.reason().contains(UntrustedText.address(wrong.address()) + " found \"switchover-verification=attacker\""), v.reason());
  }

  @Test
  void check_twoResolversDisagreeUnderQuorumOfOne_isVerified() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    Dnsmasq right = dnsmasq("--txt-record=" + challenge.recordName() + "," + challenge.recordValue());
    Dnsmasq empty = dnsmasq();
    DomainVerifier verifier =
        DomainVerifier.builder().resolvers(right.address(), empty.address()).quorum(1).timeout(TIMEOUT).clock(clock).build();

    Verification v = verifier.check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertTrue(v.reason().contains("at 1 of 2 resolvers (quorum 1)"), v.reason());
  }

  @Test
  void check_twoResolversAgree_isVerifiedUnderTheDefaultQuorumOfAll() throws Exception {
    Challenge challenge = verifierFor().challenge("shop.example.com");
    String record = "--txt-record=" + challenge.recordName() + "," + challenge.recordValue();
    Dnsmasq a = dnsmasq(record);
    Dnsmasq b = dnsmasq(record);
    DomainVerifier verifier = DomainVerifier.builder().resolvers(a.address(), b.address()).timeout(TIMEOUT).clock(clock).build();

    Verification v = verifier.check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertTrue(v.reason().contains("at 2 of 2 resolvers (quorum 2)"), v.reason());
  }

  @Test
  void check_resolverRefuses_failsWithLookupFailed() throws Exception {
    // dnsmasq refuses names outside the zones it holds and has no upstream to ask.
    DomainVerifier verifier = verifier(dnsmasq());
    Challenge challenge = verifier.challenge("shop.example.edu");

    Verification v = verifier.check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("lookup failed:"), v.reason());
    assertTrue(v.reason().contains("REFUSED"), v.reason());
  }

  @Test
  void check_noResolversConfigured_isRefused() {
    DomainVerifier verifier = DomainVerifier.builder().clock(clock).build();
    Challenge challenge = verifier.challenge("shop.example.com");

    assertThrows(IllegalStateException.class, () -> verifier.check(challenge, Method.DNS_TXT));
  }

  @Test
  void dnsjavaLookup_returnsEveryRecordConcatenated() throws Exception {
    Dnsmasq dns =
        dnsmasq("--txt-record=multi.example.com,one,two,three", "--txt-record=multi.example.com,single");

    List<String> records =
        dev.switchover.spi.TxtLookup.dnsjava()
            .lookup("MULTI.example.com", dns.address(), TIMEOUT)
            .toCompletableFuture()
            .join();

    assertEquals(2, records.size(), records.toString());
    assertTrue(records.contains("onetwothree"), records.toString());
    assertTrue(records.contains("single"), records.toString());
  }

  @Test
  void dnsjavaLookup_nxdomain_isEmpty() throws Exception {
    Dnsmasq dns = dnsmasq();

    List<String> records =
        dev.switchover.spi.TxtLookup.dnsjava().lookup("nothing.example.com", dns.address(), TIMEOUT).toCompletableFuture().join();

    assertTrue(records.isEmpty(), records.toString());
  }

  @Test
  void check_resolverThatEchoesTheQuery_failsAsNoAnswer() throws Exception {
    // A UDP socket that sends every datagram back: the "answer" is the query itself.
    DatagramSocket echo = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    servers.add(echo);
    Thread echoing =
        new Thread(
            () -> {
              byte[] buffer = new byte[4096];
              try {
                while (!echo.isClosed()) {
                  DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                  echo.receive(packet);
                  echo.send(packet);
                }
              } catch (IOException e) {
                // closed at the end of the test
              }
            },
            "udp echo");
    echoing.setDaemon(true);
    echoing.start();
    DomainVerifier verifier =
        DomainVerifier.builder().resolvers((InetSocketAddress) echo.getLocalSocketAddress()).timeout(TIMEOUT).clock(clock).build();
    Challenge challenge = verifier.challenge("shop.example.com");

    Verification v = verifier.check(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("lookup failed:"), v.reason());
    assertTrue(v.reason().contains("is not a DNS response"), v.reason());
  }

  private Dnsmasq dnsmasq(String... records) throws IOException, InterruptedException {
    Dnsmasq dns = Dnsmasq.start(records);
    servers.add(dns);
    return dns;
  }

  /** A verifier for issuing challenges before the servers exist. */
  private DomainVerifier verifierFor() {
    return DomainVerifier.builder().clock(clock).build();
  }

  private DomainVerifier verifier(Dnsmasq dns) {
    return DomainVerifier.builder().resolvers(dns.address()).timeout(TIMEOUT).clock(clock).build();
  }
}
