package dev.switchover.examples;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A real, very small authoritative DNS server over UDP on a free port of 127.0.0.1: it answers TXT
 * queries for the records it was given and NXDOMAIN for everything else. Records may be added
 * while it runs, which is how a test publishes the token an example printed.
 */
final class TxtResponder implements AutoCloseable {
  private final DatagramSocket socket;
  private final Map<Name, String> records = new ConcurrentHashMap<>();
  private final Thread thread;

  private TxtResponder(DatagramSocket socket) {
    this.socket = socket;
    this.thread = new Thread(this::serve, "txt-responder");
    thread.setDaemon(true);
  }

  static TxtResponder start() throws SocketException {
    TxtResponder responder =
        new TxtResponder(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    responder.thread.start();
    return responder;
  }

  /** {@code 127.0.0.1:<port>}, as the examples take a resolver. */
  String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  /** Publishes a TXT record. */
  void publish(String name, String value) throws TextParseException {
    records.put(Name.fromString(name, Name.root), value);
  }

  private void serve() {
    byte[] buffer = new byte[512];
    while (!socket.isClosed()) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
        byte[] answer = answer(new Message(Arrays.copyOf(packet.getData(), packet.getLength())));
        socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
      } catch (IOException e) {
        // closed, or a datagram that is not a DNS query: nothing to answer
      }
    }
  }

  private byte[] answer(Message query) {
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.AA);
    if (query.getHeader().getFlag(Flags.RD)) {
      response.getHeader().setFlag(Flags.RD);
    }
    Record question = query.getQuestion();
    if (question == null) {
      response.getHeader().setRcode(Rcode.FORMERR);
      return response.toWire();
    }
    response.addRecord(question, Section.QUESTION);
    String value = records.get(question.getName());
    if (value != null && question.getType() == Type.TXT) {
      response.addRecord(new TXTRecord(question.getName(), DClass.IN, 60, value), Section.ANSWER);
    } else {
      response.getHeader().setRcode(Rcode.NXDOMAIN);
    }
    return response.toWire();
  }

  @Override
  public void close() {
    socket.close();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
