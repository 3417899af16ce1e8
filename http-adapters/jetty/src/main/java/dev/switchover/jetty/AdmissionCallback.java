package dev.switchover.jetty;

import dev.switchover.Admission;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The callback a workspace's handler completes: it completes Jetty's callback, then closes the
 * request's admission, whether the response succeeded or failed, on whatever thread completes
 * it, reporting the response's status first (a 5xx counts as the workspace's error). Jetty
 * completes a callback once; the admission tolerates more.
 */
final class AdmissionCallback implements Callback {
  private final Callback delegate;
  private final Admission admission;
  private final Response response;

  AdmissionCallback(Callback delegate, Admission admission, Response response) {
    this.delegate = delegate;
    this.admission = admission;
    this.response = response;
  }

  @Override
  public void succeeded() {
    admission.answered(response.getStatus());
    try {
      delegate.succeeded();
    } finally {
      admission.close();
    }
  }

  @Override
  public void failed(Throwable failure) {
    // A failed callback may be the client's doing (it went away): only a status already sent counts.
    if (response.isCommitted()) {
      admission.answered(response.getStatus());
    }
    try {
      delegate.failed(failure);
    } finally {
      admission.close();
    }
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
