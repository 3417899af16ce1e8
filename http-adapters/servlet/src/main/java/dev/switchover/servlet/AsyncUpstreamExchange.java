package dev.switchover.servlet;

import dev.switchover.Admission;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request proxied upstream without blocking a container thread: the servlet request is in
 * asynchronous mode, its body is read with a {@link ReadListener} into the JDK client's request
 * body ({@link RequestBody}), and the upstream's body is written with a {@link WriteListener}
 * ({@link ResponseBody}). Both sides move one buffer at a time, only when the other side asks
 * for it, so no body is ever held whole. The upstream's status and headers are awaited either on
 * the future of {@code HttpClient.sendAsync}, which holds no thread ({@link #sendAsync}), or by a
 * thread blocked in {@code HttpClient.send} ({@link #sendOn}); see {@code
 * UpstreamForwarder.AsyncSend} for which and why. The bodies move on the container's and the
 * client's threads, whenever there is something to move.
 *
 * <p>The request's {@link Admission} is closed when the async cycle completes, fails or times
 * out (the container calls this listener), and at once if the cycle could not be started.
 * Whatever ends the exchange (the end of the upstream's body, an upstream failure, a client that
 * went away) completes the async cycle exactly once.
 */
final class AsyncUpstreamExchange implements AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(AsyncUpstreamExchange.class);
  private static final int READ_SIZE = 16 * 1024;
  private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

  private final AsyncContext async;
  private final HttpServletResponse response;
  private final Admission admission;
  private final String upstream;
  private final AtomicBoolean completed = new AtomicBoolean();
  private final AtomicReference<@Nullable ResponseBody> responseBody = new AtomicReference<>();
  private volatile @Nullable RequestBody requestBody;
  /**
   * Guards the wait for the upstream's answer: {@link #waiter}, {@link #pending}, {@link
   * #cancelled}, {@link #interrupted}.
   */
  private final Object waitLock = new Object();
  /** The thread waiting in {@link UpstreamCall#send} for the upstream's answer, while it waits. */
  private @Nullable Thread waiter;
  /** The future of the upstream's answer from {@link AsyncUpstreamCall#send}, until it completes. */
  private @Nullable Future<?> pending;
  /** The exchange ended: whatever the upstream call does from now on is not answered. */
  private boolean cancelled;
  private boolean interrupted;

  private AsyncUpstreamExchange(
      AsyncContext async, HttpServletResponse response, Admission admission, String upstream) {
    this.async = async;
    this.response = response;
    this.admission = admission;
    this.upstream = upstream;
  }

  /**
   * Starts the async cycle for {@code admission}'s request; from here on the exchange owns the
   * admission. If the cycle cannot be started the admission is closed and the failure rethrown.
   */
  static AsyncUpstreamExchange start(
      jakarta.servlet.http.HttpServletRequest request,
      HttpServletResponse response,
      Admission admission,
      String upstream) {
    try {
      AsyncContext async = request.startAsync();
      // The upstream timeout bounds the wait for the answer; a long body is not cut short.
      async.setTimeout(0);
      AsyncUpstreamExchange exchange = new AsyncUpstreamExchange(async, response, admission, upstream);
      async.addListener(exchange);
      return exchange;
    } catch (RuntimeException e) {
      admission.close();
      throw e;
    }
  }

  /** The request body as a publisher for the JDK client, read without blocking. */
  RequestBody requestBody(ServletInputStream in) {
    RequestBody body = new RequestBody(in);
    requestBody = body;
    in.setReadListener(body);
    return body;
  }

  /**
   * The upstream's answer is in: {@code head} copies its status and headers onto the response,
   * and the subscriber returned streams its body to the client. If the exchange has ended
   * meanwhile (the call was being cancelled as its head came in), the response is left alone and
   * the subscriber cancels the upstream's body at once.
   */
  HttpResponse.BodySubscriber<Void> answer(ServletOutputStream out, Runnable head) {
    ResponseBody body = new ResponseBody(out);
    responseBody.set(body); // before reading cancelled: abandon() reads them the other way round
    synchronized (waitLock) {
      if (!cancelled) {
        // Under the lock: the exchange cannot be marked ended (cancelWait) while the head is
        // being copied, so a 504 or an abort that ends it never meets a half-copied head. The
        // head only sets the status and headers; it waits for no other thread.
        head.run();
        return body;
      }
    }
    body.cancelUpstream();
    return body;
  }

  private boolean abandoned() {
    synchronized (waitLock) {
      return cancelled;
    }
  }

  /** A blocking call to the upstream that returns once its status and headers are in. */
  interface UpstreamCall {
    void send() throws IOException, InterruptedException;
  }

  /** A non-blocking call to the upstream whose future completes once its status and headers are in. */
  interface AsyncUpstreamCall {
    CompletableFuture<?> send();
  }

  /**
   * Sends the upstream request without a thread to wait for the answer: {@code call} returns the
   * future of the upstream's status and headers at once (its body then streams on). A failure
   * before those are in is answered with 502 or 504, as in {@link #sendOn}. If the exchange ends
   * first, the future is cancelled with {@code cancel(true)}, which makes the JDK client abandon
   * the call (since JDK 16 the futures of {@code sendAsync} relay it to the exchange); a
   * completion after that is ignored. {@code done} runs once the call is over, however it ended
   * (its answer's head in, failed, cancelled, or never sent because the exchange had ended).
   */
  void sendAsync(AsyncUpstreamCall call, Runnable done) {
    if (abandoned()) {
      done.run();
      return;
    }
    CompletableFuture<?> answer;
    try {
      answer = call.send();
    } catch (RuntimeException e) {
      done.run();
      upstreamFailed(e);
      return;
    }
    boolean cancelNow;
    synchronized (waitLock) {
      cancelNow = cancelled;
      if (!cancelNow) {
        pending = answer;
      }
    }
    if (cancelNow) {
      answer.cancel(true);
    }
    // After pending is set: a future completed already runs this at once, here.
    var unused =
        answer.whenComplete(
            (response, failure) -> {
              try {
                answered(answer, failure);
              } finally {
                done.run();
              }
            });
  }

  /** The call's future completed: a failure is answered, unless the exchange ended first. */
  private void answered(Future<?> answer, @Nullable Throwable failure) {
    boolean ended;
    synchronized (waitLock) {
      if (pending == answer) {
        pending = null;
      }
      ended = cancelled;
    }
    if (failure != null && !ended) {
      upstreamFailed(failure);
    }
  }

  /**
   * Sends the upstream request on a thread of {@code executor}, which waits there until the
   * upstream's status and headers are in (its body then streams without it); a failure before
   * that is answered with 502 or 504. If the exchange ends first, the waiting thread is
   * interrupted, which makes the JDK client cancel the call.
   *
   * <p>Why a blocking call on a thread of our own where {@link #sendAsync} cannot be used: on JDK
   * 17, {@code HttpClient.sendAsync} always hands the completion of its future to {@code
   * CompletableFuture}'s default executor, which is a new thread per task where the common pool
   * has fewer than two threads (machines with one or two CPUs); {@code send} does not.
   */
  void sendOn(Executor executor, UpstreamCall call) {
    try {
      executor.execute(() -> await(call));
    } catch (RejectedExecutionException e) {
      upstreamFailed(e);
    }
  }

  private void await(UpstreamCall call) {
    Thread self = Thread.currentThread();
    synchronized (waitLock) {
      if (cancelled) {
        return;
      }
      waiter = self;
    }
    Throwable failure = null;
    try {
      call.send();
    } catch (IOException | RuntimeException | InterruptedException e) {
      failure = e;
    }
    boolean ended;
    synchronized (waitLock) {
      waiter = null;
      ended = cancelled;
      if (interrupted) {
        // Ours, sent under this lock: it must not reach the executor's next task.
        Thread.interrupted();
      } else if (failure instanceof InterruptedException) {
        self.interrupt(); // someone else's, such as the executor shutting down: keep it
      }
    }
    if (failure != null && !ended) {
      upstreamFailed(failure);
    }
  }

  /** Stops waiting for the upstream's answer, cancelling the call if it is under way. */
  private void cancelWait() {
    Future<?> answer;
    synchronized (waitLock) {
      cancelled = true;
      Thread t = waiter;
      if (t != null && !interrupted) {
        interrupted = true;
        t.interrupt();
      }
      answer = pending;
      pending = null;
    }
    if (answer != null) {
      // Outside the lock: cancelling runs the future's dependent actions (answered) here.
      answer.cancel(true);
    }
  }

  /** The upstream failed: before its answer, 502 or 504; during its body, see {@link ResponseBody}. */
  void upstreamFailed(Throwable failure) {
    Throwable cause = unwrap(failure);
    ResponseBody body = responseBody.get();
    if (body != null) {
      body.upstreamFailed(cause);
      return;
    }
    boolean timeout = cause instanceof HttpTimeoutException;
    log.debug("upstream {} {}", upstream, timeout ? "timed out" : "failed", cause);
    complete(timeout ? HttpServletResponse.SC_GATEWAY_TIMEOUT : HttpServletResponse.SC_BAD_GATEWAY);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Ends the cycle once; with an error status if one is given and the response is not committed. */
  void complete(int errorStatus) {
    if (!completed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (errorStatus > 0 && !response.isCommitted()) {
        response.reset();
        response.setStatus(errorStatus);
        response.setContentLength(0);
      }
    } catch (RuntimeException e) {
      log.debug("could not answer {} for upstream {}", errorStatus, upstream, e);
    } finally {
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // The container ended the cycle already (the client went away): nothing left to end.
        admission.close();
      }
    }
  }

  /**
   * Ends the cycle of an exchange broken off mid-body (see {@link #complete}) and closes the
   * admission here, not only in {@link #onComplete}: Jetty 12 (ee10) aborts such a response (a
   * body shorter than its Content-Length, a client that reset the connection) without calling the
   * cycle's listeners, and the request would stay in flight for good.
   */
  private void abort(int errorStatus) {
    try {
      complete(errorStatus);
    } finally {
      admission.close();
    }
  }

  /** Stops talking to the upstream: the client is gone or the cycle ended. */
  private void abandon() {
    cancelWait();
    ResponseBody body = responseBody.get();
    if (body != null) {
      body.cancelUpstream();
    }
    RequestBody in = requestBody;
    if (in != null) {
      in.onError(new IOException("the exchange with the client ended"));
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    admission.close();
    if (!completed.get()) {
      // The container ended the cycle without us. Where this exchange completed it, the upstream
      // call is over already; cancelling it late could close a connection the client pooled again.
      abandon();
    }
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    admission.close();
    // The 504 first, then the upstream's body cancelled: cancelling a body that has not begun
    // aborts the response, which would otherwise end the cycle with the upstream's head (copied
    // already, if it came in) and no body. cancelWait() first, so that no head is copied after.
    cancelWait();
    complete(HttpServletResponse.SC_GATEWAY_TIMEOUT);
    abandon();
  }

  @Override
  public void onError(AsyncEvent event) {
    admission.close();
    abandon();
    complete(0);
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // Only this exchange starts the cycle, once.
  }

  /**
   * Runs {@code emit} serially however many threads signal: a signal that arrives while another
   * thread emits makes that thread go round once more, so no signal is lost.
   */
  private abstract static class SerialDrain {
    private final AtomicInteger pending = new AtomicInteger();

    final void drain() {
      if (pending.getAndIncrement() != 0) {
        return;
      }
      int missed = 1;
      do {
        emit();
        missed = pending.addAndGet(-missed);
      } while (missed != 0);
    }

    abstract void emit();
  }

  /**
   * The servlet request body as a {@link Flow.Publisher} of buffers: reads happen only while the
   * subscriber (the JDK client) has demand and the input is ready; when it is not, the container's
   * {@code onDataAvailable} resumes them, and when demand runs out, the subscriber's next {@code
   * request} does. One subscriber only.
   */
  static final class RequestBody extends SerialDrain
      implements Flow.Publisher<ByteBuffer>, Flow.Subscription, ReadListener {
    private final ServletInputStream in;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile Flow.@Nullable Subscriber<? super ByteBuffer> subscriber;
    /**
     * Whether reading may go on: cleared before asking {@code isReady}, set by the container. False
     * until the container's first {@code onDataAvailable}, which the servlet specification promises
     * once the listener is set and data can be read: Undertow starts reading into its stream's
     * buffer on its I/O thread once the request's dispatch has returned, and its stream is not safe
     * to read from another thread at the same time (two threads refilling its buffer can lose one
     * buffer's bytes). The JDK client subscribes from its own threads, so reading must not start
     * before the container says so.
     */
    private volatile boolean readable;
    private volatile boolean allRead;
    private volatile boolean cancelled;
    private volatile @Nullable Throwable failure;
    private boolean done;

    RequestBody(ServletInputStream in) {
      this.in = in;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
      if (!subscribed.compareAndSet(false, true)) {
        s.onSubscribe(new Flow.Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        });
        s.onError(new IllegalStateException("a servlet request body can be read once only"));
        return;
      }
      subscriber = s;
      s.onSubscribe(this);
      drain();
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        failure = new IllegalArgumentException("demand must be positive, but was " + n);
      } else {
        demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      }
      drain();
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public void onDataAvailable() {
      readable = true;
      drain();
    }

    @Override
    public void onAllDataRead() {
      allRead = true;
      drain();
    }

    @Override
    public void onError(Throwable t) {
      if (failure == null) {
        failure = t;
      }
      drain();
    }

    @Override
    void emit() {
      Flow.Subscriber<? super ByteBuffer> s = subscriber;
      if (s == null || done) {
        return;
      }
      if (cancelled) {
        done = true;
        return;
      }
      try {
        while (failure == null && !allRead && readable && demand.get() > 0) {
          readable = false; // before isReady: its onDataAvailable must not be overwritten
          if (!in.isReady()) {
            break;
          }
          readable = true;
          byte[] buffer = new byte[READ_SIZE];
          int n = in.read(buffer);
          if (n < 0) {
            allRead = true;
          } else if (n > 0) {
            demand.decrementAndGet();
            s.onNext(ByteBuffer.wrap(buffer, 0, n));
          }
        }
      } catch (IOException | RuntimeException e) {
        onError(e);
      }
      Throwable t = failure;
      if (t != null) {
        done = true;
        s.onError(t);
      } else if (allRead) {
        done = true;
        s.onComplete();
      }
    }
  }

  /**
   * The upstream's body, written to the client with a {@link WriteListener}: one buffer is asked
   * of the upstream only when the previous ones are written and the output is ready again.
   */
  final class ResponseBody extends SerialDrain implements HttpResponse.BodySubscriber<Void> {
    private final ServletOutputStream out;
    private final Queue<ByteBuffer> buffers = new ConcurrentLinkedQueue<>();
    private volatile Flow.@Nullable Subscription subscription;
    private volatile boolean writable;
    private volatile boolean requested;
    private volatile boolean upstreamDone;
    private volatile @Nullable Throwable upstreamFailure;
    private volatile @Nullable Throwable clientFailure;
    private boolean done;

    ResponseBody(ServletOutputStream out) {
      this.out = out;
    }

    /**
     * Complete at once, as for the JDK's own streaming subscribers: the client's response, and with
     * it the thread waiting in {@code send}, is done once the status and headers are in, while the
     * body streams on through this subscriber.
     */
    @Override
    public CompletionStage<Void> getBody() {
      return DONE;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (clientFailure != null) {
        // Ended before the upstream's body began (see answer): the response is not ours to touch,
        // and emit may have run before there was a subscription to cancel.
        s.cancel();
        return;
      }
      out.setWriteListener(
          new WriteListener() {
            @Override
            public void onWritePossible() {
              writable = true;
              drain();
            }

            @Override
            public void onError(Throwable t) {
              clientFailure = t;
              drain();
            }
          });
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      buffers.addAll(items);
      requested = false;
      drain();
    }

    @Override
    public void onError(Throwable t) {
      upstreamFailed(t);
    }

    @Override
    public void onComplete() {
      upstreamDone = true;
      drain();
    }

    void upstreamFailed(Throwable t) {
      if (upstreamFailure == null) {
        upstreamFailure = t;
      }
      drain();
    }

    void cancelUpstream() {
      if (clientFailure == null) {
        clientFailure = new IOException("the exchange with the client ended");
      }
      drain();
    }

    @Override
    void emit() {
      if (done) {
        return;
      }
      Throwable client = clientFailure;
      if (client != null) {
        done = true;
        log.debug("client went away while upstream {} answered", upstream, client);
        Flow.Subscription s = subscription;
        if (s != null) {
          s.cancel();
        }
        abort(0);
        return;
      }
      Throwable upstreamError = upstreamFailure;
      if (upstreamError != null) {
        // Not yet committed: 502 still stands. Committed: the client sees a short body if the
        // upstream sent a length; a container-neutral abort of the connection does not exist.
        done = true;
        log.debug("upstream {} failed while answering", upstream, upstreamError);
        abort(
            upstreamError instanceof HttpTimeoutException
                ? HttpServletResponse.SC_GATEWAY_TIMEOUT
                : HttpServletResponse.SC_BAD_GATEWAY);
        return;
      }
      try {
        while (writable) {
          writable = false; // before isReady: its onWritePossible must not be overwritten
          if (!out.isReady()) {
            return;
          }
          writable = true;
          ByteBuffer next = buffers.poll();
          if (next != null) {
            write(next);
            continue;
          }
          if (upstreamDone) {
            done = true;
            complete(0);
          } else if (!requested) {
            requested = true;
            Flow.Subscription s = subscription;
            if (s != null) {
              s.request(1);
            }
          }
          return;
        }
      } catch (IOException | RuntimeException e) {
        clientFailure = e;
        emit();
      }
    }

    private void write(ByteBuffer buffer) throws IOException {
      int length = buffer.remaining();
      if (length == 0) {
        return;
      }
      if (buffer.hasArray()) {
        out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), length);
      } else {
        byte[] copy = new byte[length];
        buffer.get(copy);
        out.write(copy);
      }
    }
  }
}
