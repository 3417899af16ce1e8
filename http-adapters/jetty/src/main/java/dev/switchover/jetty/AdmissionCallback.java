package dev.switchover.jetty;

import dev.switchover.Admission;
import dev.switchover.http.internal.Answers;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.jspecify.annotations.Nullable;

/**
 * The callback a workspace's handler completes: it completes Jetty's callback, then closes the
 * request's admission, whether the response succeeded or failed, on whatever thread completes
 * it, reporting the response's status first (a 5xx counts as the workspace's error). Only the
 * first completion counts. Once the router has decided to end an event stream, the request is the
 * router's to complete, when the end is written: the workspace, whose next write is refused, fails
 * its callback at once, and that failure must not abort the connection before the end goes out.
 */
final class AdmissionCallback implements Callback {
  private final Callback delegate;
  private final Admission admission;
  private final Response response;
  private final LongLivedUpgrades upgrades;
  /** The response of a request that accepts an event stream, which may have become long-lived. */
  private final @Nullable EventStreamResponse events;
  /** Answered by the adapter, not by the workspace: its status is not the workspace's. */
  private volatile boolean answeredHere;
  private final AtomicBoolean completed = new AtomicBoolean();

  AdmissionCallback(
      Callback delegate,
      Admission admission,
      Response response,
      LongLivedUpgrades upgrades,
      @Nullable EventStreamResponse events) {
    this.delegate = delegate;
    this.admission = admission;
    this.response = response;
    this.upgrades = upgrades;
    this.events = events;
  }

  /** Marks the response as the adapter's own answer (a refused upgrade), not the workspace's. */
  void answeredHere() {
    answeredHere = true;
  }

  /** The workspace's completion; ignored once the router has taken the end of an event stream in hand. */
  @Override
  public void succeeded() {
    if (events != null && events.endsTheRequest()) {
      return; // the end of the stream completes the request, once written
    }
    complete();
  }

  /** The workspace's failure; ignored once the router has taken the end of an event stream in hand. */
  @Override
  public void failed(Throwable failure) {
    if (events != null && events.endsTheRequest()) {
      return; // the workspace saw its write refused: the end of the stream completes the request
    }
    fail(failure);
  }

  /** The end of an event stream the router asked for is written: the request has completed. */
  void endedByRouter() {
    complete();
  }

  /** An event stream the router asked to end did not end in time, or its end failed: cut off. */
  void cutOffByRouter(Throwable failure) {
    fail(failure);
  }

  private void complete() {
    if (!completed.compareAndSet(false, true)) {
      return;
    }
    if (upgrades.tookOver(response.getRequest(), response.getStatus(), admission)) {
      delegate.succeeded(); // an upgrade: counted as long-lived until its connection closes
      return;
    }
    if (!answeredHere) {
      admission.answered(response.getStatus());
    }
    try {
      delegate.succeeded();
    } finally {
      admission.close();
      endEvents();
    }
  }

  private void fail(Throwable failure) {
    if (!completed.compareAndSet(false, true)) {
      return;
    }
    // A failed callback before anything was sent is how a Jetty handler reports an error (Jetty
    // answers 500): the workspace's. A client that went away is not: only a status already sent
    // counts then.
    if (response.isCommitted()) {
      admission.answered(response.getStatus());
    } else if (!Answers.isClientGone(failure) && !clientGone(response)) {
      admission.answered(500);
    }
    try {
      delegate.failed(failure);
    } finally {
      admission.close();
      endEvents();
    }
  }

  private void endEvents() {
    EventStreamResponse e = events;
    if (e != null) {
      e.completed();
    }
  }

  private static boolean clientGone(Response response) {
    EndPoint endPoint = response.getRequest().getConnectionMetaData().getConnection().getEndPoint();
    return !endPoint.isOpen();
  }

  /** The admission this callback closes. */
  Admission admission() {
    return admission;
  }

  @Override
  public Invocable.InvocationType getInvocationType() {
    return delegate.getInvocationType();
  }

  @Override
  public String toString() {
    return "AdmissionCallback{" + admission + "}";
  }
}
