package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;

import com.google.common.collect.HashMultiset;
import com.google.common.collect.Multiset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Random sequences of promote, swap, rollback and refused writes, checked after every step against
 * a model of the expected routing: a map of (host, prefix) to workspace, and a stack of earlier
 * states.
 */
final class WritePropertiesTest {
  private static final List<String> HOSTS = List.of("shop.example.com", "staging.example.com", "api.example.com");
  private static final List<String> PREFIXES = List.of("/", "/api");
  private static final List<String> WORKSPACES = List.of("blue", "green", "red");
  private static final int HISTORY = 5;

  /** One write: kind, two hosts, a prefix, a workspace (each kind uses what it needs). */
  record Op(String kind, String host, String other, String prefix, String workspace) {}

  @Test
  void writes_agreeWithTheModel() {
    PropertyRun run = PropertyRun.of(0x3523033903d1L);
    Multiset<String> writes = HashMultiset.create();
    run.check(ops(), ops -> writesAgreeWithTheModel(ops, writes));
    // Each kind of write is made, and each that the model may refuse or accept is seen both ways.
    for (String write : List.of(
        "promote accepted", "promotePrefix accepted", "promotePrefix refused", "swap accepted", "swap refused",
        "rollback accepted", "rollback refused", "stale refused", "undeclared refused")) {
      run.assertSeen(write, writes);
    }
  }

  private static void writesAgreeWithTheModel(List<Op> ops, Multiset<String> writes) {
    Router router = Router.builder().initialTable(initial()).historySize(HISTORY).build();
    Map<String, String> state = initialState();
    Deque<Map<String, String>> history = new ArrayDeque<>();
    for (Op op : ops) {
      RoutingTable before = router.current();
      Map<String, String> next = apply(op, state, history);
      boolean succeeded;
      try {
        switch (op.kind()) {
          case "promote" -> router.promote(op.host(), op.workspace());
          case "promotePrefix" -> router.promote(HostName.parse(op.host()), PathPrefix.of(op.prefix()), WorkspaceId.of(op.workspace()));
          case "swap" -> router.swap(op.host(), op.other());
          case "rollback" -> router.rollback();
          case "stale" -> router.update(before.revision() - 1, b -> b.pointHost(HostName.parse(op.host()), WorkspaceId.of(op.workspace())));
          case "undeclared" -> router.promote(op.host(), "purple");
          default -> throw new AssertionError(op.kind());
        }
        succeeded = true;
      } catch (SwitchoverException | IllegalArgumentException | IllegalStateException e) {
        succeeded = false;
      }
      writes.add(op.kind() + (succeeded ? " accepted" : " refused"));
      assertEquals(next != null, succeeded, op.toString());
      if (next == null) {
        // A refused write changes nothing.
        assertSame(before, router.current(), op.toString());
        continue;
      }
      history.push(state);
      while (history.size() > HISTORY) {
        history.removeLast();
      }
      state = next;
      assertEquals(before.revision() + 1, router.current().revision());
      assertEquals(state, stateOf(router.current()), op.toString());
      // The table's count of routes per workspace, which drains and removeWorkspace rely on.
      for (String ws : WORKSPACES) {
        assertEquals(state.containsValue(ws), router.current().routesTo(WorkspaceId.of(ws)), ws + " after " + op);
      }
    }
  }

  @Test
  void rollbackOfRollback_isIdentity() {
    PropertyRun run = PropertyRun.of(0x2587dd644a0bL);
    Multiset<String> runs = HashMultiset.create();
    run.check(ops(), ops -> runs.add(rollbackOfRollbackIsIdentity(ops) ? "rolled back twice" : "no history"));
    run.assertShareAbove(50, "rolled back twice", runs);
  }

  /** Whether there was a write to roll back (and so the property was checked). */
  private static boolean rollbackOfRollbackIsIdentity(List<Op> ops) {
    Router router = Router.create(initial());
    for (Op op : ops) {
      try {
        if (op.kind().equals("promote")) {
          router.promote(op.host(), op.workspace());
        } else if (op.kind().equals("swap")) {
          router.swap(op.host(), op.other());
        }
      } catch (IllegalArgumentException e) {
        // same host twice: refused, nothing to check here
      }
    }
    if (router.history().isEmpty()) {
      return false;
    }
    RoutingTable start = router.current();
    router.rollback();
    RoutingTable twice = router.rollback();
    assertTrue(twice.sameRoutingAs(start));
    assertEquals(start.revision() + 2, twice.revision());
    return true;
  }

  /**
   * A prepared promote or swap, made {@code lead} writes ahead of its turn (so possibly on a table
   * that is no longer current when it is committed), commits as the direct call would at its turn:
   * refused exactly when the direct call is, and otherwise publishing the same routing at the same
   * revision. The one exception is a prepared swap whose hosts' routes changed in between: its
   * commit is refused as a conflict and changes nothing (the direct call is then made instead).
   * Two routers take the same writes, one directly, one through prepared changes.
   */
  @Test
  void preparedWrites_commitAsTheDirectCallWouldAtTheirTurn() {
    PropertyRun run = PropertyRun.of(0xfa4ffdb079ddL);
    Multiset<String> commits = HashMultiset.create();
    run.check(ops(), range(0, 3), (ops, lead) -> preparedWritesCommitAsTheDirectCallWould(ops, lead, commits));
    run.assertShareAbove(10, "as prepared", commits);
    run.assertShareAbove(10, "applied again", commits);
    run.assertSeen("swap refused: its hosts' routes changed", commits);
  }

  private static void preparedWritesCommitAsTheDirectCallWould(List<Op> ops, int lead, Multiset<String> commits) {
    Router direct = Router.builder().initialTable(initial()).historySize(HISTORY).build();
    Router staged = Router.builder().initialTable(initial()).historySize(HISTORY).build();
    Map<Integer, PreparedChange> prepared = new HashMap<>();
    for (int i = 0; i < ops.size(); i++) {
      int ahead = i + lead;
      if (ahead < ops.size()) {
        @Nullable PreparedChange change = tryPrepare(staged, ops.get(ahead));
        if (change != null) {
          prepared.put(ahead, change);
        }
      }
      Op op = ops.get(i);
      RoutingTable before = staged.current();
      boolean directOk = succeeds(() -> call(direct, op));
      @Nullable PreparedChange change = prepared.remove(i);
      if (change != null && swapGroundMoved(change, op, before)) {
        assertThrows(RevisionConflictException.class, change::commit, op.toString());
        assertSame(before, staged.current(), op.toString());
        assertFalse(change.isCommitted());
        commits.add("swap refused: its hosts' routes changed");
        change = null; // the direct call instead, below
      }
      boolean stagedOk = succeeds(change != null ? change::commit : () -> call(staged, op));
      assertEquals(directOk, stagedOk, op + ", lead " + lead);
      if (change != null) {
        assertEquals(stagedOk, change.isCommitted());
        commits.add(!stagedOk ? "refused" : staged.current() == change.table() ? "as prepared" : "applied again");
      }
      if (!stagedOk) {
        assertSame(before, staged.current(), op.toString());
      }
      assertEquals(direct.current().revision(), staged.current().revision());
      assertTrue(direct.current().sameRoutingAs(staged.current()), op + ", lead " + lead);
      assertEquals(direct.current().description(), staged.current().description());
      for (String ws : WORKSPACES) {
        WorkspaceId id = WorkspaceId.of(ws);
        assertEquals(direct.current().routesTo(id), staged.current().routesTo(id), ws + " after " + op);
      }
    }
  }

  /** Whether {@code change} is a prepared swap whose hosts' routes differ in {@code now} from its base. */
  private static boolean swapGroundMoved(PreparedChange change, Op op, RoutingTable now) {
    if (!op.kind().equals("swap") || now.revision() == change.baseRevision()) {
      return false;
    }
    for (String host : List.of(op.host(), op.other())) {
      HostName h = HostName.parse(host);
      if (!change.base().routes(h).equals(now.routes(h))) {
        return true;
      }
    }
    return false;
  }

  /** A prepared change for a promote or swap, or null for other writes and refused ones. */
  private static @Nullable PreparedChange tryPrepare(Router router, Op op) {
    try {
      return switch (op.kind()) {
        case "promote" -> router.preparePromote(op.host(), op.workspace());
        case "promotePrefix" -> router.preparePromote(HostName.parse(op.host()), PathPrefix.of(op.prefix()), WorkspaceId.of(op.workspace()));
        case "swap" -> router.prepareSwap(HostName.parse(op.host()), HostName.parse(op.other()));
        default -> null;
      };
    } catch (SwitchoverException | IllegalArgumentException e) {
      return null; // refused on that table; the direct call is made at its turn
    }
  }

  private static void call(Router router, Op op) {
    switch (op.kind()) {
      case "promote" -> router.promote(op.host(), op.workspace());
      case "promotePrefix" -> router.promote(HostName.parse(op.host()), PathPrefix.of(op.prefix()), WorkspaceId.of(op.workspace()));
      case "swap" -> router.swap(op.host(), op.other());
      case "rollback" -> router.rollback();
      case "stale" -> router.update(router.current().revision() - 1, b -> b.pointHost(HostName.parse(op.host()), WorkspaceId.of(op.workspace())));
      case "undeclared" -> router.promote(op.host(), "purple");
      default -> throw new AssertionError(op.kind());
    }
  }

  private static boolean succeeds(Runnable write) {
    try {
      write.run();
      return true;
    } catch (SwitchoverException | IllegalArgumentException | IllegalStateException e) {
      return false;
    }
  }

  /** The model's answer: the state after the op, or null if the op must be refused. */
  private static @Nullable Map<String, String> apply(Op op, Map<String, String> state, Deque<Map<String, String>> history) {
    Map<String, String> next = new TreeMap<>(state);
    switch (op.kind()) {
      case "promote" -> {
        for (String key : state.keySet()) {
          if (key.startsWith(op.host() + " ")) {
            next.put(key, op.workspace());
          }
        }
      }
      case "promotePrefix" -> {
        String key = op.host() + " " + op.prefix();
        if (!state.containsKey(key)) {
          return null;
        }
        next.put(key, op.workspace());
      }
      case "swap" -> {
        if (op.host().equals(op.other())) {
          return null;
        }
        Map<String, String> a = routesOf(state, op.host());
        Map<String, String> b = routesOf(state, op.other());
        if (a.isEmpty() || b.isEmpty()) {
          return null;
        }
        if (a.keySet().equals(b.keySet())) {
          a.forEach((prefix, ws) -> next.put(op.other() + " " + prefix, ws));
          b.forEach((prefix, ws) -> next.put(op.host() + " " + prefix, ws));
        } else {
          if (new HashSet<>(a.values()).size() > 1 || new HashSet<>(b.values()).size() > 1) {
            return null;
          }
          String wa = a.values().iterator().next();
          String wb = b.values().iterator().next();
          a.keySet().forEach(prefix -> next.put(op.host() + " " + prefix, wb));
          b.keySet().forEach(prefix -> next.put(op.other() + " " + prefix, wa));
        }
      }
      case "rollback" -> {
        return history.isEmpty() ? null : history.peek();
      }
      case "stale", "undeclared" -> {
        return null;
      }
      default -> throw new AssertionError(op.kind());
    }
    return next;
  }

  private static Map<String, String> routesOf(Map<String, String> state, String host) {
    Map<String, String> routes = new TreeMap<>();
    state.forEach((key, ws) -> {
      if (key.startsWith(host + " ")) {
        routes.put(key.substring(host.length() + 1), ws);
      }
    });
    return routes;
  }

  private static RoutingTable initial() {
    RoutingTable.Builder b = RoutingTable.builder();
    WORKSPACES.forEach(b::workspace);
    for (String host : HOSTS) {
      b.domain(host, DomainStatus.VERIFIED);
    }
    initialState().forEach((key, ws) -> {
      int space = key.indexOf(' ');
      b.route(key.substring(0, space), key.substring(space + 1), ws);
    });
    return b.build();
  }

  private static Map<String, String> initialState() {
    Map<String, String> m = new TreeMap<>();
    m.put("shop.example.com /", "blue");
    m.put("shop.example.com /api", "blue");
    m.put("staging.example.com /", "green");
    m.put("api.example.com /api", "red");
    return m;
  }

  private static Map<String, String> stateOf(RoutingTable table) {
    Map<String, String> m = new TreeMap<>();
    for (Route r : table.routes()) {
      m.put(r.host() + " " + r.prefix(), r.workspace().name());
    }
    return m;
  }

  private static Gen<List<Op>> ops() {
    Gen<Op> op = pick(List.of("promote", "promote", "promotePrefix", "swap", "swap", "rollback", "rollback", "stale", "undeclared"))
        .zip(pick(HOSTS), pick(HOSTS), pick(PREFIXES), pick(WORKSPACES), Op::new);
    return ShrinkingLists.of(op, 0, 25);
  }
}
